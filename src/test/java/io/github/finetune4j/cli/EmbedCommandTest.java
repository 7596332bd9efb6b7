package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune embed}: the sentence embeddings of a text model equal what ONNX Runtime computes
 * with the model's exported {@code encoder.onnx} ({@code sentence_embedding}), one JSON line per
 * text, normalized; {@code --format npy} writes a file NumPy reads back to the same numbers; bad
 * requests are exit 2 with nothing written.
 */
class EmbedCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TEXTS =
      List.of("Cheap meds, click now", "Minutes of Tuesday's meeting", "a");

  @TempDir Path tmp;
  Path run;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
  }

  @Test
  void jsonlVectorsEqualTheExportedEncodersSentenceEmbedding() throws Exception {
    CliResult r = CliResult.run("embed", run.toString(), TEXTS.get(0), TEXTS.get(1), TEXTS.get(2));
    assertEquals(0, r.code(), r::toString);
    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size(), r::toString);
    FineTune.export(
        run,
        List.of("onnx"),
        null,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    Path onnx = TinyExport.modelDir(run).resolve("onnx");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (TextTokenizer tok = TextTokenizer.fromFile(onnx.resolve("tokenizer.json"), 48);
        OrtSession s = env.createSession(onnx.resolve("encoder.onnx").toString())) {
      for (int i = 0; i < TEXTS.size(); i++) {
        JsonNode line = JSON.readTree(lines.get(i));
        assertEquals(TEXTS.get(i), line.get("text").asText());
        float[] got = new float[line.get("embedding").size()];
        for (int k = 0; k < got.length; k++) {
          got[k] = (float) line.get("embedding").get(k).asDouble();
        }
        assertEquals(TinyExport.BERT.hiddenSize(), got.length);
        long[] ids = tok.ids(TEXTS.get(i));
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1L);
        long[] shape = {1, ids.length};
        float[] want;
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
            OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
            OnnxTensor t =
                OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
            OrtSession.Result res =
                s.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", t))) {
          want = ((float[][]) res.get("sentence_embedding").orElseThrow().getValue())[0];
        }
        double norm = 0;
        for (int k = 0; k < got.length; k++) {
          assertEquals(want[k], got[k], 1e-5, "text " + i + " dim " + k);
          norm += got[k] * (double) got[k];
        }
        assertEquals(1.0, norm, 1e-5, "normalized");
      }
    }
  }

  @Test
  void npyIsReadByNumpyAsTheSameNumbers() throws Exception {
    Path npy = tmp.resolve("v.npy");
    Path texts = tmp.resolve("texts.txt");
    Files.write(texts, TEXTS);
    CliResult r =
        CliResult.run(
            "embed",
            run.toString(),
            "--input",
            texts.toString(),
            "--format",
            "npy",
            "--out",
            npy.toString());
    assertEquals(0, r.code(), r::toString);
    CliResult j = CliResult.run("embed", run.toString(), "--input", texts.toString());
    List<String> lines = j.out().lines().toList();
    Path python = Path.of("/usr/bin/python3");
    if (!Files.isExecutable(python)) {
      Assumptions.assumeFalse("true".equalsIgnoreCase(System.getenv("CI")), "CI needs python3");
      Assumptions.abort("python3 missing");
    }
    Process p =
        new ProcessBuilder(
                python.toString(),
                "-c",
                "import numpy, sys; a = numpy.load(sys.argv[1]); print(a.dtype, a.shape);"
                    + " print(' '.join(repr(float(x)) for x in a.ravel()))",
                npy.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    List<String> o = out.lines().toList();
    assertEquals("float32 (3, " + TinyExport.BERT.hiddenSize() + ")", o.get(0));
    String[] values = o.get(1).split(" ");
    int h = TinyExport.BERT.hiddenSize();
    for (int i = 0; i < 3; i++) {
      JsonNode e = JSON.readTree(lines.get(i)).get("embedding");
      for (int k = 0; k < h; k++) {
        assertEquals((float) e.get(k).asDouble(), Float.parseFloat(values[i * h + k]), "row " + i);
      }
    }
  }

  @Test
  void badRequestsAreExit2WithNothingWritten() throws Exception {
    CliResult npy = CliResult.run("embed", run.toString(), "x", "--format", "npy");
    assertEquals(2, npy.code(), npy::toString);
    assertTrue(npy.err().contains("--out FILE"), npy::toString);
    CliResult none = CliResult.run("embed", run.toString());
    assertEquals(2, none.code(), none::toString);
    assertTrue(none.err().contains("no texts"), none::toString);
    Path existing = Files.writeString(tmp.resolve("mine.npy"), "keep");
    CliResult clash =
        CliResult.run(
            "embed", run.toString(), "x", "--format", "npy", "--out", existing.toString());
    assertEquals(2, clash.code(), clash::toString);
    assertEquals("keep", Files.readString(existing));
    assertFalse(clash.err().contains("Exception"), clash::toString);
    Path nowhere = tmp.resolve("no/such/dir/v.npy");
    CliResult missingDir =
        CliResult.run("embed", run.toString(), "x", "--format", "npy", "--out", nowhere.toString());
    assertEquals(2, missingDir.code(), missingDir::toString);
    assertTrue(missingDir.err().contains("does not exist"), missingDir::toString);
  }
}
