package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.type: djl}: what DJL's Criteria loads, as DJL users write it. Tested offline with a
 * DJL model directory made here (the diabetes TorchScript MLP as {@code NAME/NAME.pt}, with a
 * {@code serving.properties}), as a path and as a {@code file:} URL; both fine-tune exactly as the
 * same module given as {@code torchscript}. A zoo id needs the network: offline it is exit 2 with
 * that reason, never a silent pass.
 */
class DjlSourceTest {

  private static final String RECIPE = "recipes/tabular/diabetes-regression.yaml";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private JsonNode summary(Path run) throws Exception {
    return JSON.readTree(run.resolve("summary.json").toFile());
  }

  @Test
  void aDjlModelDirectoryFineTunesLikeTheSameTorchScriptFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("diabetes-mlp"));
    Files.copy(Path.of("models/tabular/diabetes-mlp.pt"), dir.resolve("diabetes-mlp.pt"));
    Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\n");

    CliResult direct = CliResult.run("run", RECIPE, "output.dir=" + tmp.resolve("direct"));
    assertEquals(0, direct.code(), direct::toString);
    CliResult byPath =
        CliResult.run(
            "run",
            RECIPE,
            "model={type: djl, url: " + dir + "}",
            "output.dir=" + tmp.resolve("path"));
    assertEquals(0, byPath.code(), byPath::toString);
    assertTrue(byPath.out().contains("Loading djl " + dir), byPath::toString);
    CliResult byUrl =
        CliResult.run(
            "run",
            RECIPE,
            "model={type: djl, url: \"" + dir.toUri() + "\"}",
            "output.dir=" + tmp.resolve("url"));
    assertEquals(0, byUrl.code(), byUrl::toString);

    JsonNode expected = summary(tmp.resolve("direct")).get("test_metrics");
    assertEquals(expected, summary(tmp.resolve("path")).get("test_metrics"));
    assertEquals(expected, summary(tmp.resolve("url")).get("test_metrics"));
  }

  @Test
  void aZooIdOfflineIsBadInputThatSaysItNeedsTheNetwork() {
    Path out = tmp.resolve("zoo");
    CliResult r =
        CliResult.run(
            "run",
            RECIPE,
            "model={type: djl, url: \"djl://ai.djl.pytorch/resnet18_embedding\"}",
            "output.dir=" + out);
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("model.url: DJL cannot load djl://ai.djl.pytorch/resnet18_embedding"),
        r::toString);
    assertTrue(r.err().contains("need the network"), r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void aDirectoryWithoutATorchScriptFileIsBadInput() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty-model"));
    Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\n");
    Path out = tmp.resolve("none");
    CliResult r =
        CliResult.run("run", RECIPE, "model={type: djl, url: " + dir + "}", "output.dir=" + out);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("model.url: "), r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  /** The cut point of a djl model: an exported method feeds a new head, as for torchscript. */
  @Test
  void anExportedMethodOfADjlModelCanFeedANewHeadAndAMissingOneIsRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("diabetes-mlp"));
    Files.copy(Path.of("models/tabular/diabetes-mlp.pt"), dir.resolve("diabetes-mlp.pt"));
    String[] common = {
      "head.replace=classifier",
      "groups=[{name: body, match: [\"body.*\"]}, {name: out, match: [\"out.*\"]},"
          + " {name: head, match: [\"head.*\"]}]",
      "stages=[{epochs: 4, train: [body, head]}]",
      "monitor.sinks=[jsonl]"
    };
    Path out = tmp.resolve("cut");
    List<String> args = new ArrayList<>(List.of("run", RECIPE));
    args.add("model={type: djl, url: " + dir + ", features_method: features}");
    args.addAll(List.of(common));
    args.add("output.dir=" + out);
    CliResult r = CliResult.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("a new linear head of 1 output"), r::toString);
    assertEquals(
        "features",
        JSON.readTree(out.resolve("model/finetune4j-model.json").toFile())
            .at("/module/method")
            .asText());
    List<String> bad = new ArrayList<>(List.of("validate", RECIPE));
    bad.add("model={type: djl, url: " + dir + ", features_method: nope}");
    bad.addAll(List.of(common));
    CliResult v = CliResult.run(bad.toArray(String[]::new));
    assertEquals(2, v.code(), v::toString);
    assertTrue(v.err().contains("the module has no method 'nope'"), v::toString);
  }
}
