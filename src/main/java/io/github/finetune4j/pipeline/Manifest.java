package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@value #FILE_NAME} of an exported model directory: name, size and SHA-256 of every other
 * file in it, those in its subdirectories ({@code onnx/}, {@code hf/}) included under their
 * relative names ({@code onnx/model.onnx}). It is written last, after every other file, through a
 * temporary file and a rename, so a directory that has one was exported completely; {@link #verify}
 * then finds any file that was changed, damaged, removed or added since.
 */
final class Manifest {

  /** File name of the manifest inside a model directory. */
  static final String FILE_NAME = "manifest.json";

  /** Value of the manifest's {@code format} field. */
  static final String FORMAT = "finetune4j-model-manifest";

  private static final String TEMP_NAME = FILE_NAME + ".tmp";

  /** Strict: a file with anything after its JSON value is damaged, not read. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Manifest() {}

  /** One listed file. */
  private record Entry(String name, long size, String sha256) {}

  /**
   * Writes the manifest of every regular file now in {@code dir}; call it after the last of them is
   * written.
   *
   * @param dir the model directory
   * @throws IOException when a file cannot be read, the directory holds anything but plain files,
   *     or the manifest cannot be written
   */
  static void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", 1);
    ArrayNode files = root.putArray("files");
    for (Path f : list(dir)) {
      String name = relative(dir, f);
      if (name.equals(FILE_NAME) || name.equals(TEMP_NAME)) {
        continue;
      }
      if (!Files.isRegularFile(f)) {
        throw new IOException(f + ": only plain files can go into an exported model directory");
      }
      files.addObject().put("name", name).put("size", Files.size(f)).put("sha256", sha256(f));
    }
    Path temp = dir.resolve(TEMP_NAME);
    try {
      Files.writeString(temp, RecipeReader.toJson(root) + "\n", StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(
          temp,
          dir.resolve(FILE_NAME),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp); // a full disk leaves no torn temporary manifest
    }
  }

  /**
   * Checks a model directory against its manifest.
   *
   * @param dir the model directory
   * @return one sentence per problem, each naming its file; empty when every file is as exported
   */
  static List<String> verify(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return List.of(
          file
              + ": missing, so the exported model cannot be checked for damage (export it again"
              + " with `finetune run`)");
    }
    Map<String, Entry> entries;
    try {
      entries = read(file);
    } catch (IOException e) {
      return List.of(Problems.unreadable(file, e));
    } catch (BadInputException e) {
      return e.problems();
    }
    List<String> problems = new ArrayList<>();
    for (Entry e : entries.values()) {
      Path f = dir.resolve(e.name());
      if (!Files.isRegularFile(f)) {
        problems.add(f + ": listed in the manifest but missing");
        continue;
      }
      try {
        if (Files.size(f) != e.size() || !sha256(f).equals(e.sha256())) {
          problems.add(
              f + ": SHA-256 does not match the manifest (the file was changed or damaged)");
        }
      } catch (IOException ex) {
        problems.add(Problems.unreadable(f, ex));
      }
    }
    try {
      for (Path d : directories(dir)) {
        String prefix = relative(dir, d) + "/";
        if (entries.keySet().stream().noneMatch(n -> n.startsWith(prefix))) {
          problems.add(
              d + ": not listed in the manifest (it was added after the export; remove it)");
        }
      }
      for (Path f : list(dir)) {
        String name = relative(dir, f);
        if (!name.equals(FILE_NAME) && !entries.containsKey(name)) {
          problems.add(
              f + ": not listed in the manifest (it was added after the export; remove it)");
        }
      }
    } catch (IOException e) {
      problems.add(Problems.unreadable(dir, e));
    }
    return problems;
  }

  private static Map<String, Entry> read(Path file) throws IOException, BadInputException {
    String invalid =
        file
            + ": not a valid manifest (expected the JSON object written at export, with \"files\":"
            + " a list of {\"name\", \"size\", \"sha256\"})";
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new BadInputException(List.of(invalid));
    }
    if (root == null
        || !root.isObject()
        || !FORMAT.equals(root.path("format").asText(null))
        || !root.path("files").isArray()) {
      throw new BadInputException(List.of(invalid));
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (JsonNode e : root.get("files")) {
      JsonNode name = e.path("name");
      JsonNode size = e.path("size");
      JsonNode sha = e.path("sha256");
      if (!name.isTextual()
          || !plainName(name.asText())
          || !size.canConvertToLong()
          || !size.isIntegralNumber()
          || !sha.isTextual()
          || !sha.asText().matches("[0-9a-f]{64}")
          || entries.containsKey(name.asText())) {
        throw new BadInputException(List.of(invalid));
      }
      entries.put(name.asText(), new Entry(name.asText(), size.asLong(), sha.asText()));
    }
    return entries;
  }

  /**
   * A file's name relative to the model directory, {@code /}-separated ({@code onnx/model.onnx}):
   * each part a plain name (no {@code .}, {@code ..}, backslash or NUL), and not the manifest's
   * own.
   */
  private static boolean plainName(String name) {
    if (name.equals(FILE_NAME) || name.startsWith("/") || name.endsWith("/")) {
      return false;
    }
    for (String part : name.split("/", -1)) {
      if (part.isEmpty()
          || part.equals(".")
          || part.equals("..")
          || part.indexOf('\\') >= 0
          || part.indexOf('\0') >= 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Everything in the directory tree but the directories themselves (links are not followed: a link
   * is listed as itself, and refused by {@link #write}), sorted by relative name.
   */
  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted(Comparator.comparing(p -> relative(dir, p)))
          .toList();
    }
  }

  /** The subdirectories (not following links), sorted. */
  private static List<Path> directories(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .toList();
    }
  }

  private static String relative(Path dir, Path file) {
    return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  /**
   * The SHA-256 of a file.
   *
   * @param file the file
   * @return lower-case hex
   * @throws IOException when the file cannot be read
   */
  static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
