import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;
import java.io.Reader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A DJL user's program with no Finetune4J class on its class path, run in a child JVM by the test
 * harness (io.github.finetune4j.consumers.ConsumerHarness), which compiles this file at test time.
 * It lives under src/test/resources so that it is NOT compiled into target/test-classes (the child's
 * class path has neither target/classes nor target/test-classes).
 *
 * <p>Usage: {@code IsolatedDjlMain classify|embed|serve MODEL_DIR TEXTS_FILE [--factory CLASS]
 * [--model-name NAME] [--engine NAME] [--arg KEY=VALUE]... [--forbidden-class CLASS]...
 * [--context-jars DIR] [--init-class CLASS]...}. TEXTS_FILE holds UTF-8 texts separated by NUL characters. The engine is
 * OnnxRuntime unless --engine names another. The translator factory comes from the directory's
 * serving.properties (DJL reads it itself through its DeferredTranslatorFactory), unless --factory
 * names one; each --arg is a Criteria argument (what a serving.properties line would say).
 *
 * <p>{@code serve} is what DJL Serving's ModelInfo.load does: serving.properties read into a
 * {@code Criteria<Input, Output>} (options and arguments, the engine; --engine is not used), no
 * translator factory of its own, so DJL loads the {@code translatorFactory} argument and the
 * {@code blockFactory} through the thread's context class loader. {@code --context-jars DIR}
 * makes that loader a {@code URLClassLoader} over DIR's jars, as DJL Serving's {@code
 * MutableClassLoader} does with the jars of its {@code deps/} folder. Each {@code --init-class} is
 * loaded and initialized first, so that an error a factory's class raises (a missing dependency)
 * reaches stderr instead of DJL's trace log.
 *
 * <p>One JSON line per text on stdout: {@code {"index":0,"embedding":[...]}}, {@code
 * {"index":0,"classes":[{"className":"a","probability":0.9},...]}} or, for serve, {@code
 * {"index":0,"output":<the Output's data as it is>}}.
 *
 * <p>Exit codes: 0 done; 1 DJL failed (stack trace on stderr); 2 bad arguments; 3 a forbidden
 * class (by default io.github.finetune4j.pipeline.FineTune; each --forbidden-class replaces the
 * default and adds one) is on the class path, so the class path is not the isolated one it claims
 * to be.
 */
public final class IsolatedDjlMain {

  private IsolatedDjlMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3
        || !(args[0].equals("classify") || args[0].equals("embed") || args[0].equals("serve"))) {
      System.err.println(
          "usage: IsolatedDjlMain classify|embed|serve MODEL_DIR TEXTS_FILE [options]");
      System.exit(2);
    }
    String mode = args[0];
    Path modelDir = Path.of(args[1]);
    Path textsFile = Path.of(args[2]);
    String factory = null;
    String modelName = null;
    String engine = "OnnxRuntime";
    Path contextJars = null;
    List<String> forbidden = new ArrayList<>();
    List<String> initClasses = new ArrayList<>();
    List<String[]> arguments = new ArrayList<>();
    for (int i = 3; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        System.err.println("option " + args[i] + " needs a value");
        System.exit(2);
      }
      switch (args[i]) {
        case "--factory" -> factory = args[i + 1];
        case "--model-name" -> modelName = args[i + 1];
        case "--forbidden-class" -> forbidden.add(args[i + 1]);
        case "--engine" -> engine = args[i + 1];
        case "--context-jars" -> contextJars = Path.of(args[i + 1]);
        case "--init-class" -> initClasses.add(args[i + 1]);
        case "--arg" -> {
          int eq = args[i + 1].indexOf('=');
          if (eq <= 0) {
            System.err.println("--arg needs KEY=VALUE, got " + args[i + 1]);
            System.exit(2);
          }
          arguments.add(new String[] {args[i + 1].substring(0, eq), args[i + 1].substring(eq + 1)});
        }
        default -> {
          System.err.println("unknown option " + args[i]);
          System.exit(2);
        }
      }
    }

    if (forbidden.isEmpty()) {
      forbidden.add("io.github.finetune4j.pipeline.FineTune");
    }
    for (String name : forbidden) {
      try {
        Class.forName(name, false, ClassLoader.getSystemClassLoader());
        System.err.println("isolation broken: " + name + " is on the class path");
        System.exit(3);
      } catch (ClassNotFoundException expected) {
        // the point of this program: a DJL user without the toolkit
      }
    }
    for (String name : initClasses) {
      // what DJL does with a factory it is named, but with the error shown (DJL logs it at trace)
      Class.forName(name, true, ClassLoader.getSystemClassLoader());
    }
    if (contextJars != null) {
      List<URL> urls = new ArrayList<>();
      try (Stream<Path> files = Files.list(contextJars)) {
        for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
          urls.add(jar.toUri().toURL());
        }
      }
      Thread.currentThread()
          .setContextClassLoader(
              new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader()));
    }

    String all = Files.readString(textsFile, StandardCharsets.UTF_8);
    List<String> texts =
        all.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(all.split("\0", -1)));

    if (mode.equals("serve")) {
      serve(modelDir, texts);
      return;
    }
    Criteria.Builder<String, ?> builder =
        mode.equals("classify")
            ? Criteria.builder().setTypes(String.class, Classifications.class)
            : Criteria.builder().setTypes(String.class, float[].class);
    builder = builder.optModelPath(modelDir).optEngine(engine);
    if (factory != null) {
      builder = builder.optArgument("translatorFactory", factory);
    } else {
      builder = builder.optTranslatorFactory(new DeferredTranslatorFactory());
    }
    if (modelName != null) {
      builder = builder.optModelName(modelName);
    }
    for (String[] kv : arguments) {
      builder = builder.optArgument(kv[0], kv[1]);
    }

    StringBuilder out = new StringBuilder();
    try (ZooModel<String, ?> model = builder.build().loadModel();
        Predictor<String, ?> predictor = model.newPredictor()) {
      for (int i = 0; i < texts.size(); i++) {
        Object result = predictor.predict(texts.get(i));
        out.setLength(0);
        out.append("{\"index\":").append(i);
        if (result instanceof float[] embedding) {
          out.append(",\"embedding\":[");
          for (int j = 0; j < embedding.length; j++) {
            out.append(j == 0 ? "" : ",").append(Float.toString(embedding[j]));
          }
          out.append(']');
        } else {
          Classifications c = (Classifications) result;
          out.append(",\"classes\":[");
          List<Classifications.Classification> items = c.items();
          for (int j = 0; j < items.size(); j++) {
            out.append(j == 0 ? "" : ",")
                .append("{\"className\":")
                .append(quote(items.get(j).getClassName()))
                .append(",\"probability\":")
                .append(Double.toString(items.get(j).getProbability()))
                .append('}');
          }
          out.append(']');
        }
        out.append('}');
        System.out.println(out);
      }
    }
    System.out.flush();
  }

  /**
   * What DJL Serving's ModelInfo.load does: serving.properties read into the Criteria (option.*
   * keys as options, the others as arguments, the engine from its engine line), DJL Serving's
   * types, no translator factory of its own.
   */
  private static void serve(Path modelDir, List<String> texts) throws Exception {
    Properties prop = new Properties();
    try (Reader r = Files.newBufferedReader(modelDir.resolve("serving.properties"))) {
      prop.load(r);
    }
    Map<String, String> options = new HashMap<>();
    Map<String, Object> arguments = new HashMap<>();
    for (String key : prop.stringPropertyNames()) {
      if (key.startsWith("option.")) {
        options.put(key.substring(7), prop.getProperty(key));
      } else {
        arguments.put(key, prop.getProperty(key));
      }
    }
    Criteria<Input, Output> criteria =
        Criteria.builder()
            .setTypes(Input.class, Output.class)
            .optModelPath(modelDir)
            .optEngine(prop.getProperty("engine"))
            .optArguments(arguments)
            .optOptions(options)
            .build();
    try (ZooModel<Input, Output> model = criteria.loadModel();
        Predictor<Input, Output> predictor = model.newPredictor()) {
      for (int i = 0; i < texts.size(); i++) {
        Input in = new Input();
        in.add(texts.get(i));
        Output out = predictor.predict(in);
        System.out.println(
            "{\"index\":" + i + ",\"output\":" + out.getData().getAsString() + "}");
      }
    }
    System.out.flush();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
