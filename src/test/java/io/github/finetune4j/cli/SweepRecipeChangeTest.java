package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep.json} records the SHA-256 of each recipe file's bytes (and of the overrides); a
 * sweep continued after its recipe was edited is exit 2 naming both hashes and how to start a new
 * sweep, with nothing written — it used to average old and new trials in one table. A {@code
 * sweep.json} written before the hashes existed is continued with a warning line, and the hashes
 * are recorded from then on.
 */
class SweepRecipeChangeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path recipe;
  private Path out;

  @BeforeEach
  void aSweepOfACopiedRecipe() throws Exception {
    recipe = tmp.resolve("mlp.yaml");
    Files.copy(Path.of("recipes/tabular/breast-cancer-mlp.yaml"), recipe);
    out = tmp.resolve("sweep");
    CliResult r = sweep("--collect"); // writes sweep.json, runs no trial
    assertEquals(0, r.code(), r::toString);
  }

  private CliResult sweep(String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "sweep",
                recipe.toString(),
                "--grid",
                "optimizer.lr=1e-3,3e-3",
                "--set",
                "stages.0.epochs=1",
                "--out",
                out.toString()));
    a.addAll(List.of(more));
    return CliResult.run(a.toArray(String[]::new));
  }

  /** SHA-256 with the JDK's own digest, of the bytes on disk. */
  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void theDefinitionRecordsTheRecipesHash() throws Exception {
    JsonNode def = JSON.readTree(out.resolve("sweep.json").toFile());
    assertEquals(
        sha256(Files.readAllBytes(recipe)),
        def.get("recipe_sha256").get(0).asText(),
        def::toString);
    assertEquals(
        sha256(
            "--set stages.0.epochs=1\n--grid optimizer.lr=1e-3,3e-3\n"
                .getBytes(StandardCharsets.UTF_8)),
        def.get("overrides_sha256").asText(),
        def::toString);
  }

  @Test
  void aChangedRecipeIsRefusedNamingBothHashes() throws Exception {
    String before = sha256(Files.readAllBytes(recipe));
    Files.writeString(
        recipe,
        Files.readString(recipe).replace("lr: 1.0e-3", "lr: 2.0e-3"),
        StandardCharsets.UTF_8);
    String after = sha256(Files.readAllBytes(recipe));
    byte[] def = Files.readAllBytes(out.resolve("sweep.json"));
    for (String[] mode : new String[][] {{}, {"--collect"}, {"--trial", "0"}}) {
      CliResult r = sweep(mode);
      assertEquals(2, r.code(), r::toString);
      assertTrue(
          r.err()
              .contains(
                  "recipe "
                      + recipe
                      + " changed since the sweep in "
                      + out
                      + " began (sha256 "
                      + before.substring(0, 12)
                      + " then, "
                      + after.substring(0, 12)
                      + " now)"),
          r::toString);
      assertTrue(r.err().contains("give another --out to start a new sweep"), r::toString);
      assertArrayEquals(def, Files.readAllBytes(out.resolve("sweep.json")));
      assertFalse(Files.exists(out.resolve("trials/000")), r::toString);
    }
    // put back as it was: the sweep continues
    Files.writeString(
        recipe,
        Files.readString(recipe).replace("lr: 2.0e-3", "lr: 1.0e-3"),
        StandardCharsets.UTF_8);
    assertEquals(before, sha256(Files.readAllBytes(recipe)));
    CliResult r = sweep("--collect");
    assertEquals(0, r.code(), r::toString);
  }

  @Test
  void anOldDefinitionWithoutHashesIsContinuedWithAWarningAndGetsThem() throws Exception {
    Path def = out.resolve("sweep.json");
    ObjectNode old = (ObjectNode) JSON.readTree(def.toFile());
    old.remove("recipe_sha256");
    old.remove("overrides_sha256");
    Files.writeString(def, old.toPrettyString());
    CliResult r = sweep("--collect");
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out()
            .contains(
                "Note: "
                    + def
                    + " has no recipe hashes (written by an older Finetune4J): whether "
                    + recipe
                    + " changed since the sweep began cannot be checked; its hash is recorded"
                    + " from now on"),
        r::toString);
    assertEquals(
        sha256(Files.readAllBytes(recipe)),
        JSON.readTree(def.toFile()).get("recipe_sha256").get(0).asText());
    CliResult again = sweep("--collect");
    assertEquals(0, again.code(), again::toString);
    assertFalse(again.out().contains("Note:"), again::toString);
  }
}
