package io.github.finetune4j.recipe;

import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.readTree;
import static io.github.finetune4j.TestRecipes.shippedRecipes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated JSON Schema, checked by an independent validator (networknt), against the shipped
 * recipes and against docs/recipes.md.
 */
class SchemaTest {

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static ObjectNode schemaTree;
  private static JsonSchema schema;

  @BeforeAll
  static void buildSchema() {
    schemaTree = RecipeModel.schema(Recipe.class);
    schema = FACTORY.getSchema(schemaTree);
  }

  @Test
  void schemaIsValidDraft202012() {
    assertEquals(
        "https://json-schema.org/draft/2020-12/schema", schemaTree.get("$schema").asText());
    // The 2020-12 meta-schema ships inside the validator's jar; no network is used.
    JsonSchema meta =
        FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    Set<ValidationMessage> errors = meta.validate(schemaTree);
    assertTrue(errors.isEmpty(), errors::toString);
    // The meta-schema check can fail: a misspelt type is rejected.
    ObjectNode broken = schemaTree.deepCopy();
    ((ObjectNode) broken.get("properties").get("description")).put("type", "text");
    assertFalse(meta.validate(broken).isEmpty());
  }

  @Test
  void everyShippedRecipeValidates() {
    List<Path> recipes = shippedRecipes();
    assertTrue(recipes.contains(Path.of("recipes/quickstart.yaml")), recipes::toString);
    for (Path r : recipes) {
      Set<ValidationMessage> errors = schema.validate(readTree(r));
      assertTrue(errors.isEmpty(), () -> r + ": " + errors);
    }
  }

  @Test
  void unknownKeyFailsValidation() {
    ObjectNode tree = quickstart();
    ((ObjectNode) tree.get("optimizer")).put("lr_typo", 1e-3);
    Set<ValidationMessage> errors = schema.validate(tree);
    assertEquals(1, errors.size(), errors::toString);
    String msg = errors.iterator().next().getMessage();
    assertTrue(msg.contains("lr_typo"), msg);
  }

  @Test
  void wrongTypesAndValuesFailValidation() {
    Set<ValidationMessage> errors =
        schema.validate(
            "{\"model\": {\"type\": \"bert-onnx\", \"bundled\": 3, \"init\": \"warm\"},"
                + " \"groups\": \"all\"}",
            InputFormat.JSON);
    Set<String> paths =
        errors.stream().map(m -> m.getInstanceLocation().toString()).collect(Collectors.toSet());
    assertTrue(
        paths.containsAll(Set.of("$.model.bundled", "$.model.init", "$.groups")), paths::toString);
    // required sections
    assertTrue(
        errors.stream().anyMatch(m -> m.getMessage().contains("optimizer")), errors::toString);
  }

  @Test
  void everySchemaFieldIsDocumented() throws Exception {
    String docs = Files.readString(DocsGenerator.DOCS);
    List<String> paths = new ArrayList<>();
    fieldPaths(schemaTree, "", paths);
    assertTrue(paths.contains("optimizer.weight_decay.mode"), paths::toString);
    assertTrue(paths.contains("groups[].match"), paths::toString);
    assertTrue(paths.contains("model.bundled"), paths::toString);
    assertTrue(paths.contains("data.test.delimiter"), paths::toString);
    List<String> missing = paths.stream().filter(p -> !docs.contains("`" + p + "`")).toList();
    assertTrue(
        missing.isEmpty(),
        () ->
            "fields missing from "
                + DocsGenerator.DOCS
                + ": "
                + missing
                + "; regenerate with -Dfinetune4j.regenerateDocs=true");
  }

  @Test
  void generatedReferenceIsCurrent() throws Exception {
    String page = Files.readString(DocsGenerator.DOCS);
    String current = DocsGenerator.update(page);
    if (Boolean.getBoolean("finetune4j.regenerateDocs")) {
      Files.writeString(DocsGenerator.DOCS, current);
      page = current;
    }
    assertEquals(
        current,
        page,
        DocsGenerator.DOCS
            + " is out of date: run mvn -B -q -o test -Dtest=SchemaTest"
            + " -Dfinetune4j.regenerateDocs=true");
  }

  @Test
  void docsEmbedTheQuickstartRecipe() throws Exception {
    String docs = Files.readString(DocsGenerator.DOCS);
    String quickstart = Files.readString(Path.of("recipes/quickstart.yaml")).strip();
    assertTrue(
        docs.contains(quickstart), "docs/recipes.md must show recipes/quickstart.yaml verbatim");
  }

  /**
   * Every property path of an object schema; list items of objects get {@code []}; the kinds of a
   * {@code oneOf} add theirs at the same path.
   */
  private static void fieldPaths(JsonNode s, String path, List<String> out) {
    for (JsonNode alternative : s.path("oneOf")) {
      fieldPaths(alternative, path, out);
    }
    JsonNode props = s.get("properties");
    if (props == null) {
      return;
    }
    props
        .fields()
        .forEachRemaining(
            e -> {
              String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
              out.add(p);
              JsonNode v = e.getValue();
              if ("array".equals(v.path("type").asText())) {
                fieldPaths(v.get("items"), p + "[]", out);
              } else {
                fieldPaths(v, p, out);
              }
            });
  }
}
