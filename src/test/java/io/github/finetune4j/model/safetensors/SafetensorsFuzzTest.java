package io.github.finetune4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The safetensors reader on any bytes (Jazzer; issue #23 item 4): {@link SafetensorsReader#open}
 * and a {@link SafetensorsReader#read} of every tensor give tensors of the declared size, or a
 * {@link CheckpointFormatException} with a message; any other exception fails. A plain test run
 * replays {@code SafetensorsFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1} fuzzes (docs/runs.md).
 */
class SafetensorsFuzzTest {

  private static final Path TMP = tmpDir();

  private static Path tmpDir() {
    try {
      Path d = Files.createTempDirectory("finetune4j-safetensors-fuzz");
      d.toFile().deleteOnExit();
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest
  void anyBytesAreTensorsOrACheckpointFormatException(byte[] data) throws IOException {
    Path file = Files.write(Files.createTempFile(TMP, "fuzz-", ".safetensors"), data);
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      for (TensorEntry e : r.tensors().values()) {
        assertTrue(e.end() - e.begin() == e.byteSize(), () -> "a tensor of another size: " + e);
        assertTrue(e.end() <= data.length, () -> "a tensor past the end: " + e);
        assertEquals(e.elementCount(), r.read(e.name()).data().remaining(), e.toString());
      }
    } catch (CheckpointFormatException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "no message");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
