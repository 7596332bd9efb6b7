package io.github.finetune4j.pipeline;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.recipe.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@value #FILE} in every exported model directory: how the model was made — the resolved recipe
 * (text and sha256), the content hash of every data file or image folder it read, the seed, and the
 * versions of the toolkit, DJL, the engine and Java. No time stamp, so that a rerun exports the
 * same bytes. Listed in the manifest like every other file.
 */
final class Provenance {

  /** The file name. */
  static final String FILE = "provenance.json";

  /** The toolkit's version, as {@code finetune --version} prints it. */
  static final String TOOLKIT = "finetune4j 0.1.0";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Provenance() {}

  /**
   * Writes the provenance into an exported model directory (before its manifest is rewritten).
   *
   * @param modelDir the directory
   * @param recipe the recipe
   * @param recipeText the text of {@code recipe.resolved.yaml}
   * @param data the data files and image folders the run read
   * @throws IOException when a data file cannot be read or the file cannot be written
   */
  static void write(Path modelDir, Recipe recipe, String recipeText, List<Path> data)
      throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("toolkit", TOOLKIT);
    o.put("recipe_sha256", sha256(recipeText.getBytes(StandardCharsets.UTF_8)));
    o.put("recipe", recipeText);
    o.set("data", hashes(data));
    JsonNode accepted = InputHashes.accepted(modelDir.getParent());
    if (accepted != null) {
      o.set("resumed_with_changed_inputs", accepted);
    }
    o.put("seed", recipe.train().seed());
    o.put("djl", Engine.getDjlVersion());
    o.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    o.put("java", System.getProperty("java.version"));
    o.put("os_arch", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    Files.writeString(modelDir.resolve(FILE), RecipeReader.toJson(o) + "\n");
  }

  /**
   * The content hash of each file or folder: {@code path}, {@code sha256} and {@code bytes} (a
   * file) or {@code files} (a folder, hashed as the sorted lines {@code <relative path> <sha256>}).
   *
   * @param paths the files and folders
   * @return one object per path, in order
   * @throws IOException when one cannot be read
   */
  static ArrayNode hashes(List<Path> paths) throws IOException {
    ArrayNode files = JSON.createArrayNode();
    for (Path p : paths) {
      ObjectNode d = files.addObject();
      d.put("path", p.toString());
      if (Files.isDirectory(p)) {
        Folder f = folder(p);
        d.put("files", f.count());
        d.put("sha256", f.sha256());
        d.put("hash_of", "sorted lines '<relative path> <sha256 of the file>'");
      } else {
        d.put("bytes", Files.size(p));
        d.put("sha256", sha256(p));
      }
    }
    return files;
  }

  /** A folder's content hash. */
  private record Folder(int count, String sha256) {}

  private static Folder folder(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    StringBuilder lines = new StringBuilder();
    for (Path f : files) {
      lines
          .append(dir.relativize(f).toString().replace('\\', '/'))
          .append(' ')
          .append(sha256(f))
          .append('\n');
    }
    return new Folder(files.size(), sha256(lines.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md = digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The sha256 of a text's UTF-8 bytes, in hex. */
  static String sha256Hex(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** The files of the recipe's data splits, which no output directory may replace. */
  static List<Path> dataFiles(Recipe recipe) {
    List<Path> files = new ArrayList<>();
    for (SourceSpec split :
        Arrays.asList(recipe.data().train(), recipe.data().valid(), recipe.data().test())) {
      if (split != null && split.path() != null) {
        files.add(Path.of(split.path()));
      }
    }
    return files;
  }
}
