package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Exporter#write} ends with a manifest of every other file of the model directory. */
class ManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void exportWritesAManifestOfEveryOtherFile() throws Exception {
    Path model = TinyExport.modelDir(TinyExport.write(tmp.resolve("run")));
    JsonNode m = JSON.readTree(model.resolve("manifest.json").toFile());
    assertEquals("finetune4j-model-manifest", m.get("format").asText());
    List<String> names = new ArrayList<>();
    for (JsonNode f : m.get("files")) {
      Path file = model.resolve(f.get("name").asText());
      names.add(f.get("name").asText());
      assertEquals(Files.size(file), f.get("size").asLong(), file::toString);
      assertEquals(Manifest.sha256(file), f.get("sha256").asText(), file::toString);
    }
    List<String> onDisk;
    try (Stream<Path> s = Files.list(model)) {
      onDisk =
          s.map(p -> p.getFileName().toString())
              .filter(n -> !n.equals("manifest.json"))
              .sorted()
              .toList();
    }
    // No temporary file is left behind; every other file is listed.
    assertEquals(
        List.of(
            "finetune4j-model.json", "model-0000.params", "serving.properties", "tokenizer.json"),
        onDisk);
    assertEquals(onDisk, names.stream().sorted().toList());
    assertEquals(List.of(), Manifest.verify(model));
  }

  @Test
  void verifyNamesEveryChangedMissingAndAddedFile() throws Exception {
    Path model = TinyExport.modelDir(TinyExport.write(tmp.resolve("run")));
    byte[] b = Files.readAllBytes(model.resolve("model-0000.params"));
    b[b.length - 1] ^= 0x40;
    Files.write(model.resolve("model-0000.params"), b);
    Files.delete(model.resolve("tokenizer.json"));
    Files.createDirectory(model.resolve("extra"));
    assertEquals(
        List.of(
            model.resolve("model-0000.params")
                + ": SHA-256 does not match the manifest (the file was changed or damaged)",
            model.resolve("tokenizer.json") + ": listed in the manifest but missing",
            model.resolve("extra")
                + ": not listed in the manifest (it was added after the export; remove it)"),
        Manifest.verify(model));
    Files.delete(model.resolve("manifest.json"));
    assertFalse(Manifest.verify(model).isEmpty());
  }
}
