package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Two readers of what a user hands to {@code finetune predict}, under Jazzer (issue #23 item 4):
 * the manifest of an export, on any bytes, gives a list of problems (each naming a file) or none,
 * never an exception; {@code predict}'s input reading, on any bytes as plain lines or JSON Lines,
 * gives texts (none longer than the line cap) or a {@link BadInputException} with its problems,
 * never another exception. A plain test run replays {@code ExportInputsFuzzTestInputs/<method>/};
 * {@code JAZZER_FUZZ=1} fuzzes (docs/runs.md).
 */
class ExportInputsFuzzTest {

  private static final Path MODEL = model();

  /** One tiny export, made once; each input replaces its manifest. */
  private static Path model() {
    try {
      Path d = Files.createTempDirectory("finetune4j-manifest-fuzz");
      d.toFile().deleteOnExit();
      return TinyExport.modelDir(TinyExport.write(d.resolve("run")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest
  void anyManifestGivesProblemsNotExceptions(byte[] data) throws IOException {
    Files.write(MODEL.resolve(Manifest.FILE_NAME), data);
    List<String> problems = Manifest.verify(MODEL);
    for (String p : problems) {
      assertTrue(p != null && !p.isBlank(), "an empty problem");
      assertTrue(p.contains(MODEL.toString()), () -> "a problem that names no file: " + p);
    }
  }

  @FuzzTest
  void anyPredictInputIsTextsOrABadInputException(byte[] data) {
    for (boolean jsonl : new boolean[] {false, true}) {
      try {
        PredictInput in = PredictInput.read(new ByteArrayInputStream(data), "fuzz", jsonl, "text");
        for (String t : in.texts()) {
          assertTrue(t.length() <= PredictInput.MAX_LINE_CHARS, "a text over the line cap");
        }
        assertFalse(in.texts().isEmpty() && in.skippedEmptyLines() < 0, "negative count");
      } catch (BadInputException e) {
        assertFalse(e.problems().isEmpty(), "a refusal without a problem");
      }
    }
  }
}
