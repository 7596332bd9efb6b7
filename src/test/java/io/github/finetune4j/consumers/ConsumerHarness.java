package io.github.finetune4j.consumers;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.springframework.ai.transformers.TransformersEmbeddingModel;

/**
 * The real consumers of an export, each behind one static method that takes plain paths: ONNX
 * Runtime Java, langchain4j's {@code OnnxEmbeddingModel}, Spring AI's {@code
 * TransformersEmbeddingModel}, and DJL (OnnxRuntime engine, stock {@code ai.djl.huggingface}
 * translators) in a child JVM whose class path holds no Finetune4J class.
 *
 * <p>Nothing here calls Finetune4J: a test points these methods at files the toolkit wrote and
 * compares what the consumers compute with what the toolkit computes. Proven on langchain4j's
 * bundled all-MiniLM-L6-v2 by {@link ReferenceConsumersTest}.
 */
public final class ConsumerHarness {

  /** The class the isolated child must not see (the toolkit's public facade). */
  public static final String TOOLKIT_CLASS = "io.github.finetune4j.pipeline.FineTune";

  /** The main class of the isolated DJL program (compiled at test time from a test resource). */
  static final String ISOLATED_MAIN = "IsolatedDjlMain";

  private static final String ISOLATED_SOURCE = "consumers/" + ISOLATED_MAIN + ".java";
  private static final String TOOLKIT_PACKAGE_PATH = "io/github/finetune4j/";
  private static final long CHILD_TIMEOUT_MINUTES = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path compiledIsolatedMain;

  private ConsumerHarness() {}

  /**
   * A tokenized batch as a consumer feeds it to the graph (padded to the longest text).
   *
   * @param ids {@code input_ids}
   * @param mask {@code attention_mask}
   * @param types {@code token_type_ids}
   */
  public record Encoded(long[][] ids, long[][] mask, long[][] types) {}

  /**
   * Tokenizes texts with DJL's Hugging Face tokenizer straight from a {@code tokenizer.json}
   * (padding to the longest text, the file's own truncation), as the ONNX Runtime examples do.
   *
   * @param tokenizer the {@code tokenizer.json}
   * @param texts the texts
   * @return the batch
   * @throws IOException if the tokenizer cannot be read
   */
  public static Encoded tokenize(Path tokenizer, List<String> texts) throws IOException {
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(tokenizer, Map.of())) {
      int n = texts.size();
      Encoding[] encodings = t.batchEncode(texts);
      int width = 0;
      for (Encoding e : encodings) {
        width = Math.max(width, e.getIds().length);
      }
      long[][] ids = new long[n][width];
      long[][] mask = new long[n][width];
      long[][] types = new long[n][width];
      for (int i = 0; i < n; i++) {
        long[] id = encodings[i].getIds();
        long[] m = encodings[i].getAttentionMask();
        long[] ty = encodings[i].getTypeIds();
        System.arraycopy(id, 0, ids[i], 0, id.length);
        System.arraycopy(m, 0, mask[i], 0, m.length);
        System.arraycopy(ty, 0, types[i], 0, ty.length);
      }
      return new Encoded(ids, mask, types);
    }
  }

  /**
   * Runs an ONNX graph with ONNX Runtime Java and returns one 2-D float output ({@code logits},
   * {@code sentence_embedding}).
   *
   * @param onnx the {@code .onnx} file
   * @param output the output's name in the graph
   * @param ids {@code input_ids}
   * @param mask {@code attention_mask}
   * @param types {@code token_type_ids}, or null for zeros; fed only where the graph has the input
   * @return the output, [batch][features]
   * @throws IllegalArgumentException if the graph has no such output, or it is not 2-D float
   */
  public static float[][] ortRun(
      Path onnx, String output, long[][] ids, long[][] mask, long[][] types) throws OrtException {
    Object value = ortRunRaw(onnx, output, ids, mask, types);
    if (!(value instanceof float[][] result)) {
      throw new IllegalArgumentException(
          onnx + ": output " + output + " is not a 2-D float tensor but " + describe(value));
    }
    return result;
  }

  /**
   * Runs an ONNX graph with ONNX Runtime Java and returns one 3-D float output ({@code
   * last_hidden_state}).
   *
   * @param onnx the {@code .onnx} file
   * @param output the output's name in the graph
   * @param ids {@code input_ids}
   * @param mask {@code attention_mask}
   * @param types {@code token_type_ids}, or null for zeros; fed only where the graph has the input
   * @return the output, [batch][tokens][hidden]
   * @throws IllegalArgumentException if the graph has no such output, or it is not 3-D float
   */
  public static float[][][] ortRunSequence(
      Path onnx, String output, long[][] ids, long[][] mask, long[][] types) throws OrtException {
    Object value = ortRunRaw(onnx, output, ids, mask, types);
    if (!(value instanceof float[][][] result)) {
      throw new IllegalArgumentException(
          onnx + ": output " + output + " is not a 3-D float tensor but " + describe(value));
    }
    return result;
  }

  private static Object ortRunRaw(
      Path onnx, String output, long[][] ids, long[][] mask, long[][] types) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[][] typeIds = types != null ? types : new long[ids.length][ids[0].length];
    Map<String, long[][]> available =
        Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", typeIds);
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(onnx.toString(), options)) {
      if (!session.getOutputNames().contains(output)) {
        throw new IllegalArgumentException(
            onnx + " has no output " + output + "; its outputs: " + session.getOutputNames());
      }
      Map<String, OnnxTensor> inputs = new HashMap<>();
      try {
        for (String name : session.getInputNames()) {
          long[][] data = available.get(name);
          if (data == null) {
            throw new IllegalArgumentException(
                onnx + " has an input the harness cannot feed: " + name);
          }
          inputs.put(name, OnnxTensor.createTensor(env, data));
        }
        try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
          OnnxValue value = result.get(output).orElseThrow();
          return value.getValue();
        }
      } finally {
        inputs.values().forEach(OnnxTensor::close);
      }
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }

  /**
   * Mean pooling over the unmasked tokens, computed here (in double) for comparing a graph's {@code
   * last_hidden_state} with a pooled embedding.
   *
   * @param hidden [batch][tokens][hidden]
   * @param mask [batch][tokens], 1 for a real token
   * @return [batch][hidden]
   */
  public static float[][] meanPool(float[][][] hidden, long[][] mask) {
    float[][] pooled = new float[hidden.length][];
    for (int b = 0; b < hidden.length; b++) {
      int width = hidden[b][0].length;
      double[] sum = new double[width];
      long count = 0;
      for (int t = 0; t < hidden[b].length; t++) {
        if (mask[b][t] == 0) {
          continue;
        }
        count++;
        for (int h = 0; h < width; h++) {
          sum[h] += hidden[b][t][h];
        }
      }
      pooled[b] = new float[width];
      for (int h = 0; h < width; h++) {
        pooled[b][h] = (float) (sum[h] / count);
      }
    }
    return pooled;
  }

  /**
   * Cosine similarity, in double.
   *
   * @param a one vector
   * @param b another of the same length
   * @return their cosine
   */
  public static double cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  /**
   * langchain4j's in-process {@code OnnxEmbeddingModel} with mean pooling (it takes the graph's
   * output 0 as {@code last_hidden_state}, pools and normalizes itself).
   *
   * @param onnx the {@code .onnx} file
   * @param tokenizer the {@code tokenizer.json}
   * @param text the text
   * @return the embedding
   */
  public static float[] langchain4jEmbed(Path onnx, Path tokenizer, String text) {
    return langchain4jEmbed(onnx, tokenizer, List.of(text)).get(0);
  }

  /**
   * {@link #langchain4jEmbed(Path, Path, String)} for several texts, with one model.
   *
   * @param onnx the {@code .onnx} file
   * @param tokenizer the {@code tokenizer.json}
   * @param texts the texts
   * @return the embeddings, in order
   */
  public static List<float[]> langchain4jEmbed(Path onnx, Path tokenizer, List<String> texts) {
    OnnxEmbeddingModel model = new OnnxEmbeddingModel(onnx, tokenizer, PoolingMode.MEAN);
    List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
    return model.embedAll(segments).content().stream().map(Embedding::vector).toList();
  }

  /**
   * Spring AI's {@code TransformersEmbeddingModel} on local files (output {@code
   * last_hidden_state}, Spring AI's own mean pooling), with its resource cache disabled and its
   * cache directory in a temporary directory deleted afterwards.
   *
   * @param onnx the {@code .onnx} file
   * @param tokenizer the {@code tokenizer.json}
   * @param text the text
   * @return the embedding
   */
  public static float[] springAiEmbed(Path onnx, Path tokenizer, String text) throws Exception {
    return springAiEmbed(onnx, tokenizer, "last_hidden_state", List.of(text)).get(0);
  }

  /**
   * {@link #springAiEmbed(Path, Path, String)} for several texts and a named output, with one
   * model.
   *
   * @param onnx the {@code .onnx} file
   * @param tokenizer the {@code tokenizer.json}
   * @param outputName the graph output Spring AI pools ({@code setModelOutputName})
   * @param texts the texts
   * @return the embeddings, in order
   */
  public static List<float[]> springAiEmbed(
      Path onnx, Path tokenizer, String outputName, List<String> texts) throws Exception {
    Path cache = Files.createTempDirectory("spring-ai-cache-");
    try {
      TransformersEmbeddingModel model = new TransformersEmbeddingModel();
      model.setDisableCaching(true);
      model.setResourceCacheDirectory(cache.toString());
      model.setModelResource(onnx.toUri().toString());
      model.setTokenizerResource(tokenizer.toUri().toString());
      model.setModelOutputName(outputName);
      model.afterPropertiesSet();
      return model.embed(texts);
    } finally {
      deleteRecursively(cache);
    }
  }

  /**
   * What the isolated DJL child did.
   *
   * @param exitCode its exit code (0 done, 1 DJL failed, 2 bad arguments, 3 the toolkit visible)
   * @param jsonLines its stdout lines that are JSON objects, one per text
   * @param stderr its stderr
   */
  public record IsolatedRun(int exitCode, List<String> jsonLines, String stderr) {}

  /**
   * DJL with no Finetune4J class on the class path: a child JVM (this JVM's {@code java}) runs a
   * small DJL program ({@code src/test/resources/consumers/IsolatedDjlMain.java}, compiled here at
   * test time) over {@link #isolatedClassPath()}. It loads {@code modelDir} with {@code
   * Criteria.optModelPath(dir).optEngine("OnnxRuntime")} and the translator factory named in the
   * directory's {@code serving.properties}, and predicts every text.
   *
   * @param modelDir the DJL model directory
   * @param mode {@code classify} (String to Classifications) or {@code embed} (String to float[])
   * @param texts the texts
   * @param options more arguments for the child: {@code --factory CLASS}, {@code --model-name
   *     NAME}, {@code --arg KEY=VALUE}
   * @return one JSON line per text (see {@link #embeddings}, {@link #classifications})
   * @throws AssertionError if the child does not exit 0, with its stderr
   */
  public static List<String> djlIsolated(
      Path modelDir, String mode, List<String> texts, String... options) throws IOException {
    IsolatedRun run = runIsolated(modelDir, mode, texts, List.of(options));
    if (run.exitCode() != 0) {
      throw new AssertionError(
          "isolated DJL child exited " + run.exitCode() + ":\n" + tail(run.stderr(), 4000));
    }
    if (run.jsonLines().size() != texts.size()) {
      throw new AssertionError(
          "isolated DJL child printed "
              + run.jsonLines().size()
              + " results for "
              + texts.size()
              + " texts:\n"
              + tail(run.stderr(), 4000));
    }
    return run.jsonLines();
  }

  /**
   * The child run behind {@link #djlIsolated}, without checking its outcome.
   *
   * @param modelDir the DJL model directory
   * @param mode {@code classify} or {@code embed}
   * @param texts the texts
   * @param options more arguments for the child (also {@code --forbidden-class CLASS})
   * @return what it did
   */
  public static IsolatedRun runIsolated(
      Path modelDir, String mode, List<String> texts, List<String> options) throws IOException {
    return runIsolated(isolatedClassPath(), modelDir, mode, texts, options);
  }

  /**
   * {@link #runIsolated(Path, String, List, List)} over a class path of the caller's: {@link
   * #isolatedClassPath()} with entries taken out ({@link #without}) or added (an export's {@code
   * libs/} jars, say). The child still refuses to run where a forbidden class is visible.
   *
   * @param classPath the child's class path (the compiled main is put before it)
   * @param modelDir the DJL model directory
   * @param mode {@code classify}, {@code embed} or {@code serve}
   * @param texts the texts
   * @param options more arguments for the child (also {@code --engine NAME}, {@code
   *     --forbidden-class CLASS}, repeatable, and {@code --context-jars DIR})
   * @return what it did
   */
  public static IsolatedRun runIsolated(
      List<Path> classPath, Path modelDir, String mode, List<String> texts, List<String> options)
      throws IOException {
    for (String text : texts) {
      if (text.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a text holds a NUL character: " + text);
      }
    }
    Path work = Files.createTempDirectory("isolated-djl-run-");
    try {
      Path textsFile = work.resolve("texts.txt");
      Files.writeString(textsFile, String.join("\0", texts), StandardCharsets.UTF_8);
      Path stdout = work.resolve("stdout.txt");
      Path stderr = work.resolve("stderr.txt");

      List<String> cmd = new ArrayList<>();
      cmd.add(javaBinary());
      cmd.add("-Xmx1g");
      System.getProperties().stringPropertyNames().stream()
          .filter(k -> k.startsWith("ai.djl.") && !k.equals("ai.djl.offline"))
          .sorted()
          .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
      cmd.add("-Dai.djl.offline=true");
      cmd.add("-cp");
      List<String> cp = new ArrayList<>();
      cp.add(compiledIsolatedMain().toString());
      classPath.forEach(p -> cp.add(p.toString()));
      cmd.add(String.join(File.pathSeparator, cp));
      cmd.add(ISOLATED_MAIN);
      cmd.add(mode);
      cmd.add(modelDir.toAbsolutePath().toString());
      cmd.add(textsFile.toString());
      cmd.addAll(options);

      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      boolean done;
      try {
        done = p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the isolated DJL child", e);
      }
      if (!done) {
        p.destroyForcibly();
        throw new AssertionError(
            "isolated DJL child still running after " + CHILD_TIMEOUT_MINUTES + " min");
      }
      List<String> json =
          Files.readAllLines(stdout, StandardCharsets.UTF_8).stream()
              .filter(l -> l.startsWith("{\"index\":"))
              .toList();
      return new IsolatedRun(p.exitValue(), json, Files.readString(stderr));
    } finally {
      deleteRecursively(work);
    }
  }

  /**
   * This JVM's class path minus every entry that holds a Finetune4J class: {@code target/classes},
   * {@code target/test-classes} and any jar with {@code io/github/finetune4j/} entries (the
   * toolkit's own jar, whatever its name).
   *
   * @return the entries a plain DJL user would have
   */
  public static List<Path> isolatedClassPath() {
    List<Path> kept = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path p = Path.of(entry).toAbsolutePath().normalize();
      if (Files.exists(p) && !holdsToolkitClasses(p)) {
        kept.add(p);
      }
    }
    return kept;
  }

  /**
   * A class path without the entries that hold anything under one of some package paths: the
   * isolated class path without Jackson, say, to prove that what a child loads comes from jars
   * added afterwards.
   *
   * @param classPath the entries
   * @param entryPrefixes what the names of the entries to drop start with ({@code
   *     com/fasterxml/jackson/})
   * @return the entries that hold none of them, in order
   */
  public static List<Path> without(List<Path> classPath, List<String> entryPrefixes) {
    List<Path> kept = new ArrayList<>();
    for (Path entry : classPath) {
      if (!holdsAny(entry, entryPrefixes)) {
        kept.add(entry);
      }
    }
    return kept;
  }

  private static boolean holdsAny(Path entry, List<String> entryPrefixes) {
    if (Files.isDirectory(entry)) {
      return entryPrefixes.stream().anyMatch(p -> Files.exists(entry.resolve(p)));
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      return jar.stream().anyMatch(e -> entryPrefixes.stream().anyMatch(e.getName()::startsWith));
    } catch (IOException notAJar) {
      return false;
    }
  }

  /**
   * Whether a class path entry holds any class of the toolkit.
   *
   * @param entry a directory or jar
   * @return true for the toolkit's classes, test classes or jar
   */
  static boolean holdsToolkitClasses(Path entry) {
    if (Files.isDirectory(entry)) {
      return Files.exists(entry.resolve(TOOLKIT_PACKAGE_PATH));
    }
    if (entry.getFileName().toString().toLowerCase(Locale.ROOT).contains("finetune4j")) {
      return true;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      return jar.stream().anyMatch(e -> e.getName().startsWith(TOOLKIT_PACKAGE_PATH));
    } catch (IOException notAJar) {
      return false;
    }
  }

  /** Compiles the isolated main once per JVM, against the isolated class path only. */
  private static synchronized Path compiledIsolatedMain() throws IOException {
    if (compiledIsolatedMain != null) {
      return compiledIsolatedMain;
    }
    Path root = Files.createTempDirectory("isolated-djl-main-");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(root)));
    Path src = root.resolve("src").resolve(ISOLATED_MAIN + ".java");
    Path out = root.resolve("classes");
    Files.createDirectories(src.getParent());
    Files.createDirectories(out);
    try (InputStream in =
        ConsumerHarness.class.getClassLoader().getResourceAsStream(ISOLATED_SOURCE)) {
      if (in == null) {
        throw new IOException("test resource missing: " + ISOLATED_SOURCE);
      }
      Files.copy(in, src);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no system Java compiler: the tests need a JDK");
    }
    List<String> cp = isolatedClassPath().stream().map(Path::toString).toList();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    boolean ok;
    try (StandardJavaFileManager fm =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "--release",
              "17",
              "-proc:none",
              "-d",
              out.toString(),
              "-classpath",
              String.join(File.pathSeparator, cp));
      ok =
          javac
              .getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjects(src.toFile()))
              .call();
    }
    if (!ok) {
      StringBuilder sb = new StringBuilder("cannot compile " + ISOLATED_SOURCE + ":");
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        sb.append('\n').append(d);
      }
      throw new IllegalStateException(sb.toString());
    }
    compiledIsolatedMain = out;
    return out;
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * The embeddings in the child's JSON lines.
   *
   * @param jsonLines lines from {@link #djlIsolated} in {@code embed} mode
   * @return one vector per line, in order
   */
  public static List<float[]> embeddings(List<String> jsonLines) throws IOException {
    List<float[]> result = new ArrayList<>();
    for (String line : jsonLines) {
      JsonNode values = JSON.readTree(line).get("embedding");
      float[] v = new float[values.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) values.get(i).asDouble();
      }
      result.add(v);
    }
    return result;
  }

  /**
   * The class probabilities in the child's JSON lines.
   *
   * @param jsonLines lines from {@link #djlIsolated} in {@code classify} mode
   * @return one map per line (class name to probability, DJL's order: most probable first)
   */
  public static List<Map<String, Double>> classifications(List<String> jsonLines)
      throws IOException {
    List<Map<String, Double>> result = new ArrayList<>();
    for (String line : jsonLines) {
      Map<String, Double> classes = new LinkedHashMap<>();
      for (JsonNode c : JSON.readTree(line).get("classes")) {
        classes.put(c.get("className").asText(), c.get("probability").asDouble());
      }
      result.add(classes);
    }
    return result;
  }

  private static String tail(String s, int max) {
    return s.length() <= max ? s : "..." + s.substring(s.length() - max);
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      // a temporary directory left behind is not worth failing a test over
    }
  }
}
