package io.github.finetune4j.cli;

import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  private static final String QUICKSTART = "recipes/quickstart.yaml";
  private static final String QUERY = "encoder.layer.0.attention.self.query.weight";

  @TempDir Path tmp;

  @Test
  void validateQuickstart() {
    CliResult r = CliResult.run("validate", QUICKSTART);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("valid (4 groups, 2 stages)"), r::toString);
    assertEquals("", r.err());
  }

  @Test
  void validateReportsProblemsWithExitCode2() {
    CliResult r = CliResult.run("validate", QUICKSTART, "optimizer.lr=fast", "train.sede=1");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("(2 problems)"), r::toString);
    assertTrue(r.err().contains("optimizer.lr: expected a number, got \"fast\""), r::toString);
    assertTrue(r.err().contains("train.sede: unknown key; did you mean 'seed'?"), r::toString);
  }

  @Test
  void planListsParametersGroupsAndStages() {
    CliResult r = CliResult.run("plan", QUICKSTART);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("103 parameters"), r::toString);
    assertTrue(r.out().contains("stage 1 (1 ep)"), r::toString);
    assertTrue(r.out().contains("stage 2 (2 ep)"), r::toString);
    String row = r.out().lines().filter(l -> l.startsWith(QUERY + " ")).findFirst().orElseThrow();
    String[] cols = row.trim().split("\\s+");
    assertEquals("lower", cols[1], row);
    assertEquals("frozen", cols[4], row); // stage 1 is the linear probe
    // stage 2: lr / 2.6^2 for the second group from the top of (embeddings, lower, upper, head)
    assertEquals(1.0e-4 / 2.6 / 2.6, Double.parseDouble(cols[5]), 1e-8, row);
    String head = r.out().lines().filter(l -> l.startsWith("head ")).findFirst().orElseThrow();
    assertTrue(head.matches("head\\s+\\d+\\s+[\\d,]+\\s+0\\.00200\\s+train\\s+train\\s*"), head);
  }

  @Test
  void planJson() throws Exception {
    CliResult r = CliResult.run("plan", QUICKSTART, "--json");
    assertEquals(0, r.code(), r::toString);
    JsonNode plan = new ObjectMapper().readTree(r.out());
    JsonNode params = plan.get("parameters");
    assertEquals(103, params.size());
    List<String> groups = List.of("embeddings", "lower", "upper", "head");
    for (JsonNode p : params) {
      assertTrue(groups.contains(p.get("group").asText()), p::toString);
      assertEquals(2, p.get("trainable").size(), p::toString);
      assertEquals(2, p.get("lr").size(), p::toString);
      boolean probe = p.get("trainable").get(0).asBoolean();
      assertEquals(p.get("group").asText().equals("head"), probe, p::toString);
      assertTrue(p.get("trainable").get(1).asBoolean(), p::toString);
      assertEquals(probe ? 2.0e-3 : 0.0, p.get("lr").get(0).asDouble(), 1e-12, p::toString);
      assertTrue(p.get("lr").get(1).asDouble() > 0, p::toString);
    }
    JsonNode query = find(params, QUERY);
    assertEquals("lower", query.get("group").asText());
    assertEquals(0.01, query.get("weight_decay").asDouble(), 1e-12);
  }

  @Test
  void schema() throws Exception {
    CliResult r = CliResult.run("schema");
    assertEquals(0, r.code(), r::toString);
    JsonNode s = new ObjectMapper().readTree(r.out());
    assertEquals("https://json-schema.org/draft/2020-12/schema", s.get("$schema").asText());
    assertEquals("object", s.get("properties").get("optimizer").get("type").asText());
  }

  @Test
  void help() {
    CliResult r = CliResult.run("--help");
    assertEquals(0, r.code(), r::toString);
    for (String cmd : List.of("run", "validate", "plan", "schema", "predict", "report")) {
      assertTrue(r.out().contains(cmd), r::toString);
    }
  }

  @Test
  void helpOnEveryCommandPrintsItsUsageAndExitsZero() {
    for (String cmd : List.of("run", "validate", "plan", "schema", "predict", "report")) {
      CliResult r = CliResult.run(cmd, "--help");
      assertEquals(0, r.code(), r::toString);
      assertTrue(r.out().contains("Usage: finetune " + cmd), r::toString);
      assertEquals("", r.err(), r::toString);
    }
  }

  @Test
  void unknownSubcommand() {
    CliResult r = CliResult.run("frobnicate", QUICKSTART);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("frobnicate"), r::toString);
  }

  @Test
  void planFailsWhenAParameterIsInNoGroup() throws Exception {
    List<String> headParams = new ArrayList<>();
    find(planJson(QUICKSTART), null)
        .forEach(
            p -> {
              if (p.get("group").asText().equals("head")) {
                headParams.add(p.get("name").asText());
              }
            });
    assertTrue(!headParams.isEmpty());
    ObjectNode tree = quickstart();
    ((ArrayNode) tree.get("groups")).remove(3);
    tree.putArray("stages").addObject().put("epochs", 1).putArray("train").add("upper");
    CliResult r = CliResult.run("plan", write(tmp, "r.yaml", tree).toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains(headParams.size() + " parameter(s) are in no group"), r::toString);
    for (String p : headParams) {
      assertTrue(r.err().contains(p), r::toString);
    }
  }

  @Test
  void planFailsWhenAPatternMatchesNothing() {
    CliResult r =
        CliResult.run(
            "plan",
            QUICKSTART,
            "groups.2.match=[\"encoder.layer.[3-5].*\", \"encoder.layer.[6-9].*\"]");
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("groups[2] 'upper': pattern 'encoder.layer.[6-9].*' matches no parameter"),
        r::toString);
  }

  @Test
  void validateAlsoChecksTheRecipeAgainstItsModel() {
    CliResult r =
        CliResult.run(
            "validate",
            QUICKSTART,
            "groups.2.match=[\"encoder.layer.[3-5].*\", \"encoder.layer.[6-9].*\"]");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("does not fit its model"), r::toString);
    assertTrue(
        r.err().contains("groups[2] 'upper': pattern 'encoder.layer.[6-9].*' matches no parameter"),
        r::toString);
    assertEquals("", r.out(), "not reported valid");
  }

  @Test
  void planFailsWhenTwoGroupsClaimAParameter() {
    String claimed = "encoder.layer.3.output.dense.weight";
    CliResult r =
        CliResult.run(
            "plan", QUICKSTART, "groups.1.match=[\"encoder.layer.[0-2].*\", \"" + claimed + "\"]");
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("groups lower and upper both claim 1 parameter(s): " + claimed),
        r::toString);
  }

  private static JsonNode planJson(String recipe) throws Exception {
    CliResult r = CliResult.run("plan", recipe, "--json");
    assertEquals(0, r.code(), r::toString);
    return new ObjectMapper().readTree(r.out()).get("parameters");
  }

  /** The parameter named {@code name}, or all parameters when name is null. */
  private static JsonNode find(JsonNode params, String name) {
    if (name == null) {
      return params;
    }
    for (JsonNode p : params) {
      if (p.get("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no parameter " + name);
  }
}
