package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.finetune4j.train.EmbeddingLossCases.Case;
import io.github.finetune4j.train.EmbeddingLossCases.Column;
import io.github.finetune4j.train.EmbeddingLossCases.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding losses and their gradients against torch (Debian's python3-torch, in float64,
 * autograd): {@code src/test/python/embedding_losses_reference.py} writes each loss out as
 * sentence-transformers defines it. DJL runs each batch in float64 (within {@value #FLOAT64_LOSS}
 * relative of torch) and in float32, the training type (within {@link
 * EmbeddingLossesTest#FLOAT32_TOLERANCE} relative for the loss, and every gradient entry within
 * {@value #FLOAT32_GRAD}, absolute, for entries up to about 5). The worst differences are printed.
 */
class EmbeddingLossesTorchTest {

  static final Path SCRIPT = Path.of("src/test/python/embedding_losses_reference.py");
  static final double FLOAT64_LOSS = 1e-12;
  static final double FLOAT64_GRAD = 1e-12;
  static final double FLOAT32_GRAD = 1e-5;

  @TempDir static Path tmp;
  private static List<Case> cases;
  private static JsonNode torch;

  @BeforeAll
  static void runTorch() throws Exception {
    PythonReference.require("python3-torch", "torch");
    cases = EmbeddingLossCases.all();
    List<Map<String, Object>> input = new ArrayList<>();
    for (Case c : cases) {
      Map<String, Object> m = new LinkedHashMap<>(c.params());
      m.put("loss", c.loss().name());
      List<Map<String, Object>> cols = new ArrayList<>();
      for (Column col : c.columns()) {
        cols.add(Map.of("values", col.values(), "shape", col.shape()));
      }
      m.put("columns", cols);
      m.put("labels", c.labels());
      input.add(m);
    }
    torch = PythonReference.run(SCRIPT, input, tmp);
    assertEquals(cases.size(), torch.size());
  }

  @Test
  void float64LossesAndGradientsEqualTorchs() {
    compare(DataType.FLOAT64, FLOAT64_LOSS, FLOAT64_GRAD);
  }

  @Test
  void float32LossesAndGradientsEqualTorchs() {
    compare(DataType.FLOAT32, EmbeddingLossesTest.FLOAT32_TOLERANCE, FLOAT32_GRAD);
  }

  @Test
  void torchAgreesWithTheJavaDefinitions() {
    // the two references, written apart, agree with each other first
    for (int i = 0; i < cases.size(); i++) {
      double want = EmbeddingLossesTest.reference(cases.get(i));
      double got = torch.get(i).get("loss").asDouble();
      assertEquals(want, got, 1e-12 * Math.abs(want), cases.get(i).id());
    }
  }

  private static void compare(DataType type, double lossTolerance, double gradTolerance) {
    double worstLossRel = 0;
    double worstGradAbs = 0;
    double worstGradRel = 0;
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      Result djl = EmbeddingLossCases.djl(c, type);
      JsonNode ref = torch.get(i);
      double want = ref.get("loss").asDouble();
      double rel = Math.abs(djl.loss() - want) / Math.abs(want);
      worstLossRel = Math.max(worstLossRel, rel);
      assertEquals(want, djl.loss(), lossTolerance * Math.abs(want), c.id());
      double largest = 0;
      for (JsonNode g : ref.get("grads")) {
        for (JsonNode v : g) {
          largest = Math.max(largest, Math.abs(v.asDouble()));
        }
      }
      for (int col = 0; col < c.columns().size(); col++) {
        JsonNode g = ref.get("grads").get(col);
        double[] ours = djl.grads().get(col);
        assertEquals(g.size(), ours.length, c.id());
        for (int j = 0; j < ours.length; j++) {
          double diff = Math.abs(ours[j] - g.get(j).asDouble());
          worstGradAbs = Math.max(worstGradAbs, diff);
          worstGradRel = Math.max(worstGradRel, diff / largest);
          assertEquals(
              g.get(j).asDouble(),
              ours[j],
              gradTolerance,
              c.id() + ": gradient of column " + col + " entry " + j);
        }
      }
    }
    System.out.printf(
        "embedding losses, DJL %s vs torch float64: loss max rel %.3g, gradient max abs %.3g"
            + " (%.3g of the largest entry)%n",
        type, worstLossRel, worstGradAbs, worstGradRel);
  }
}
