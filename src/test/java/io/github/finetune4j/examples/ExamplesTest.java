package io.github.finetune4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example programs of examples/README.md run as documented and reach an outcome: the zoo
 * program offline with a local DJL model directory as its URL (its zoo id offline is bad input that
 * says it needs the network; with the network, a tagged test runs it for real), the TorchScript
 * program's groups unfreeze from the top at their discriminative rates, and the Lion rule written
 * in Java trains.
 */
class ExamplesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void theZooProgramFineTunesALocalDjlModelDirectoryOffline() throws Exception {
    Path out = tmp.resolve("zoo");
    ObjectNode s =
        RecipeProgram.run(
            Path.of("examples/zoo-image-folder.yaml"),
            "model.url=models/mnist-cnn",
            "model.name=model",
            "model.features_block=10",
            "data.image={channels: 1, resize: [20, 20], pad: 4}",
            "data.test.limit=200",
            "output.dir=" + out);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.8, s::toString);
    assertTrue(Files.isRegularFile(out.resolve("model/provenance.json")));
  }

  @Test
  void theZooIdOfflineIsBadInputThatSaysItNeedsTheNetwork() {
    Path out = tmp.resolve("zoo-offline");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                RecipeProgram.run(Path.of("examples/zoo-image-folder.yaml"), "output.dir=" + out));
    assertTrue(e.getMessage().contains("need the network"), e::getMessage);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  /** With the network: the real DJL zoo ResNet-18, downloaded by DJL (not in the default run). */
  @Test
  @Tag("network")
  void theZooProgramWithTheRealZooModel() throws Exception {
    System.setProperty("ai.djl.offline", "false");
    Path out = tmp.resolve("zoo-online");
    ObjectNode s =
        RecipeProgram.run(
            Path.of("examples/zoo-image-folder.yaml"),
            "data.train.limit=50",
            "data.test.limit=100",
            "output.dir=" + out);
    assertTrue(s.get("test_accuracy").asDouble() > 0.3, s::toString);
  }

  @Test
  void theTorchScriptProgramUnfreezesFromTheTop() throws Exception {
    Path out = tmp.resolve("gradual");
    ObjectNode s =
        RecipeProgram.run(Path.of("examples/torchscript-gradual.yaml"), "output.dir=" + out);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.9, s::toString);
    JsonNode plan = JSON.readTree(out.resolve("plan.json").toFile());
    // per stage (3 epochs each), which parameters train: head; + layer1; + layer0
    assertEquals("[false,false,true]", plan.at("/parameters/0/trainable").toString());
    assertEquals("[false,true,true]", plan.at("/parameters/4/trainable").toString());
    assertEquals("[true,true,true]", plan.at("/parameters/8/trainable").toString());
    assertEquals(1e-2 / 2.6, plan.at("/groups/1/lr").asDouble(), 1e-12);
    assertEquals(1e-2 / (2.6 * 2.6), plan.at("/groups/0/lr").asDouble(), 1e-12);
  }

  @Test
  void theLionRuleWrittenInJavaTrains() throws Exception {
    Path out = tmp.resolve("lion");
    ObjectNode s = CustomRuleLion.run("output.dir=" + out);
    assertEquals("lion", s.get("rule").asText());
    assertTrue(s.get("test_accuracy").asDouble() >= 0.9, s::toString);
    assertTrue(Files.isRegularFile(out.resolve("report.html")));
  }
}
