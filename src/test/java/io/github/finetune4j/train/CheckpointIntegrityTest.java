package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23: a checkpoint whose state names another step than its directory, or whose tensors hold
 * NaN or infinity, is not a valid checkpoint: read refuses it and newest skips it with a note, so
 * neither a resume nor a failed run's restore takes it as the last good state.
 */
class CheckpointIntegrityTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  private Path write(long step, float value) throws IOException {
    return Checkpoint.write(
        root,
        step,
        JSON.createObjectNode(),
        Map.of("w/x", new Checkpoint.Tensor(new long[] {2}, new float[] {1f, value})),
        10);
  }

  @Test
  void aStepThatDisagreesWithItsDirectoryIsRefused() throws Exception {
    write(4, 0.5f);
    Path five = write(5, 0.25f);
    Path seven = root.resolve("step-000000007");
    Files.move(five, seven);
    IOException e = assertThrows(IOException.class, () -> Checkpoint.read(seven));
    assertEquals(
        "state.json says step 5, but the checkpoint's directory is step-000000007", e.getMessage());
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    Checkpoint newest =
        Checkpoint.newest(root, new PrintStream(notes, true, StandardCharsets.UTF_8));
    assertEquals(4, newest.step(), "the one before it is the newest valid checkpoint");
    assertTrue(notes.toString(StandardCharsets.UTF_8).contains("step-000000007"), notes::toString);
  }

  @Test
  void nonFiniteTensorsAreNotALastGoodState() throws Exception {
    write(4, 0.5f);
    Path nan = write(6, Float.NaN);
    IOException e = assertThrows(IOException.class, () -> Checkpoint.read(nan));
    assertEquals("tensors.bin: tensor w/x holds NaN", e.getMessage());
    Checkpoint newest = Checkpoint.newest(root, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(4, newest.step());
    assertEquals(0.5f, newest.tensors().get("w/x").values()[1]);
  }
}
