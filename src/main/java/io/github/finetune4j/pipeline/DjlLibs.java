package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The {@value #DIR}/ directory of the {@code djl} format: the jars a DJL user needs besides DJL to
 * load a toolkit export with plain {@code Criteria} (the {@code blockFactory} and {@code
 * translatorFactory} that {@code serving.properties} names) — the toolkit's own jar and the jars of
 * the few runtime dependencies its factories touch that DJL does not bring ({@link #DEPENDENCIES}).
 * DJL ({@code api}, {@code pytorch-engine}, {@code tokenizers}, with Gson, JNA and SLF4J's API) is
 * the user's own and is never copied.
 *
 * <p>The toolkit's jar is the file its classes (those of the factories) were loaded from; where
 * they come from a classes directory (tests, an IDE), a jar is built from that directory (every
 * file in it, as {@code mvn package} would pack it), once per JVM, with fixed entry times so that
 * the same classes give the same bytes.
 */
final class DjlLibs {

  /** The directory inside a model directory, where DJL Serving keeps a model's own jars. */
  static final String DIR = "libs";

  /** The name of the toolkit's jar when it is built from a classes directory. */
  static final String BUILT_JAR = "finetune4j.jar";

  /**
   * The toolkit's runtime dependencies that {@code TextClassifierFactory} and {@code
   * FeatureModelFactory} need to load and predict, each named by one of its classes: Jackson
   * (databind reads the export's metadata; core and annotations are what databind needs). Found by
   * loading exports in a JVM without them ({@code DjlLibsExportTest}): nothing else of the
   * toolkit's dependencies (SnakeYAML, commons-csv, picocli, progressbar) is touched.
   */
  static final List<Class<?>> DEPENDENCIES =
      List.of(ObjectMapper.class, JsonFactory.class, JsonProperty.class);

  /** Entry time of a built jar: fixed, so that a jar depends only on the files in it. */
  private static final long FIXED_TIME = 946_684_800_000L; // 2000-01-01T00:00:00Z

  private static Path builtJar;

  private DjlLibs() {}

  /**
   * Why the jars cannot be found in this JVM, or null when they can.
   *
   * @return the reason, one sentence, or null
   */
  static String unavailable() {
    try {
      sources();
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /**
   * The jars to copy, by their file name in {@value #DIR}/: the toolkit's first, then {@link
   * #DEPENDENCIES}; a dependency packed inside the toolkit's own jar is not copied again.
   *
   * @return file name to where its bytes come from (a jar, or a classes directory)
   * @throws IOException when a class's code source is neither a jar file nor a directory
   */
  static Map<String, Path> sources() throws IOException {
    Map<String, Path> out = new LinkedHashMap<>();
    Path toolkit = location(TextClassifierFactory.class); // the factories' jar is the toolkit's
    out.put(Files.isDirectory(toolkit) ? BUILT_JAR : toolkit.getFileName().toString(), toolkit);
    for (Class<?> c : DEPENDENCIES) {
      Path jar = location(c);
      if (out.containsValue(jar)) {
        continue;
      }
      if (Files.isDirectory(jar)) {
        throw new IOException(
            c.getName() + " comes from the directory " + jar + ", not a jar the export can carry");
      }
      out.put(jar.getFileName().toString(), jar);
    }
    return out;
  }

  /**
   * Writes the jars into {@code target} (created).
   *
   * @param target the {@value #DIR} directory to write
   * @return the files written, in order
   * @throws IOException when a jar cannot be found, built or copied
   */
  static List<Path> write(Path target) throws IOException {
    Files.createDirectories(target);
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, Path> e : sources().entrySet()) {
      Path from = Files.isDirectory(e.getValue()) ? built(e.getValue()) : e.getValue();
      Path to = target.resolve(e.getKey());
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      written.add(to);
    }
    return written;
  }

  /** The jar file or classes directory a class was loaded from. */
  private static Path location(Class<?> c) throws IOException {
    CodeSource source = c.getProtectionDomain().getCodeSource();
    URL url = source == null ? null : source.getLocation();
    Path path = null;
    if (url != null && "file".equals(url.getProtocol())) {
      try {
        path = Path.of(url.toURI());
      } catch (URISyntaxException | IllegalArgumentException e) {
        path = null;
      }
    }
    if (path == null || !(Files.isRegularFile(path) || Files.isDirectory(path))) {
      throw new IOException(
          c.getName()
              + " was not loaded from a jar file or a classes directory ("
              + (url == null ? "no code source" : url)
              + "), so its jar cannot be placed under "
              + DIR
              + "/; put the toolkit's jar and Jackson's on the class path that loads the export");
    }
    return path;
  }

  /** A jar of a classes directory, built once per JVM. */
  private static synchronized Path built(Path classes) throws IOException {
    if (builtJar != null && Files.isRegularFile(builtJar)) {
      return builtJar;
    }
    Path jar = Files.createTempFile("finetune4j-", ".jar");
    jar.toFile().deleteOnExit();
    java.util.jar.Manifest manifest = new java.util.jar.Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(os)) {
      JarEntry m = new JarEntry("META-INF/MANIFEST.MF");
      m.setTime(FIXED_TIME);
      out.putNextEntry(m);
      manifest.write(out);
      out.closeEntry();
      Set<String> dirs = new HashSet<>();
      for (Path f : files) {
        String name = classes.relativize(f).toString().replace('\\', '/');
        if (name.equals("META-INF/MANIFEST.MF")) {
          continue;
        }
        for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
          String dir = name.substring(0, i + 1);
          if (!dir.equals("META-INF/") && dirs.add(dir)) {
            JarEntry d = new JarEntry(dir);
            d.setTime(FIXED_TIME);
            out.putNextEntry(d);
            out.closeEntry();
          }
        }
        JarEntry e = new JarEntry(name);
        e.setTime(FIXED_TIME);
        out.putNextEntry(e);
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    builtJar = jar;
    return jar;
  }
}
