package io.github.finetune4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.finetune4j.pipeline.FineTune;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Recipe fixtures for tests: the shipped quickstart as an editable tree, writers for YAML and JSON,
 * and the list of every shipped recipe. Tests run with the repository root as working directory, so
 * the relative data paths of the shipped recipes resolve.
 */
public final class TestRecipes {

  /** The shipped quickstart recipe. */
  public static final Path QUICKSTART = Path.of("recipes/quickstart.yaml");

  /** YAML reader/writer. */
  public static final YAMLMapper YAML = new YAMLMapper();

  /** JSON reader/writer. */
  public static final ObjectMapper JSON = new ObjectMapper();

  private TestRecipes() {}

  /**
   * The quickstart recipe as a fresh, editable tree.
   *
   * @return the tree
   */
  public static ObjectNode quickstart() {
    return (ObjectNode) readTree(QUICKSTART);
  }

  /**
   * Parses a YAML or JSON file (by extension) into a tree.
   *
   * @param file the file
   * @return the tree
   */
  public static JsonNode readTree(Path file) {
    try {
      String text = Files.readString(file);
      return file.toString().endsWith(".json") ? JSON.readTree(text) : YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a tree as YAML ({@code .yaml}/{@code .yml}) or JSON ({@code .json}).
   *
   * @param dir the directory
   * @param name the file name, whose extension picks the format
   * @param tree the recipe
   * @return the file
   */
  public static Path write(Path dir, String name, JsonNode tree) {
    try {
      Path file = dir.resolve(name);
      String text =
          name.endsWith(".json")
              ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree)
              : YAML.writeValueAsString(tree);
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes raw text to a file.
   *
   * @param dir the directory
   * @param name the file name
   * @param text the contents
   * @return the file
   */
  public static Path writeText(Path dir, String name, String text) {
    try {
      Path file = dir.resolve(name);
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every recipe shipped under {@code recipes/}, recursively ({@code *.yaml}, {@code *.yml}, {@code
   * *.json}), sorted.
   *
   * @return the files
   */
  public static List<Path> shippedRecipes() {
    try (Stream<Path> walk = Files.walk(Path.of("recipes"))) {
      return walk.filter(Files::isRegularFile)
          .filter(
              p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path checkpoint;

  /**
   * The overrides a shipped recipe needs to run in a test on a fresh clone: a recipe that reads the
   * safetensors checkpoint {@code models/minilm-safetensors} (which users write once with {@code
   * finetune checkpoint}, and git ignores) gets {@code model.dir} pointed at one written into a
   * temporary directory, once per test JVM, unless the directory exists.
   *
   * @param recipe a shipped recipe
   * @return overrides, possibly none
   */
  public static synchronized List<String> fixtureOverrides(Path recipe) {
    JsonNode model = readTree(recipe).path("model");
    String dir = model.path("dir").asText("");
    if (!"safetensors".equals(model.path("type").asText()) || Files.isDirectory(Path.of(dir))) {
      return List.of();
    }
    if (!"models/minilm-safetensors".equals(dir)) {
      throw new IllegalStateException(
          recipe
              + ": a shipped safetensors recipe must read"
              + " models/minilm-safetensors, which tests can write");
    }
    try {
      if (checkpoint == null) {
        Path tmp = Files.createTempDirectory("finetune4j-checkpoint");
        tmp.toFile().deleteOnExit();
        checkpoint = tmp.resolve("minilm-safetensors");
        FineTune.writeCheckpoint("all-minilm-l6-v2", checkpoint);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
          checkpoint.resolve(f).toFile().deleteOnExit();
        }
        checkpoint.toFile().deleteOnExit();
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the test checkpoint: " + e.getMessage(), e);
    }
    return List.of("model.dir=" + checkpoint);
  }
}
