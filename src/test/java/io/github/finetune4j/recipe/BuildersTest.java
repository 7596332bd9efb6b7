package io.github.finetune4j.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.examples.QuickstartInJava;
import io.github.finetune4j.pipeline.FineTune;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Java API covers the recipe format: every record reachable from {@link Recipe} has a Builder
 * with a {@code setX} (required) or {@code optX} (optional) method per component, and a recipe
 * built in Java equals the same recipe read from its file.
 */
class BuildersTest {

  private static final Path QUICKSTART = Path.of("recipes/quickstart.yaml");

  /**
   * Every record type reachable from Recipe through components, list elements, map values and the
   * kinds of tagged variants.
   */
  static Set<Class<?>> recipeRecords() {
    Set<Class<?>> seen = new LinkedHashSet<>();
    collect(Recipe.class, seen);
    return seen;
  }

  private static void collect(Type type, Set<Class<?>> seen) {
    if (type instanceof ParameterizedType p) {
      collect(p.getRawType(), seen);
      Arrays.stream(p.getActualTypeArguments()).forEach(t -> collect(t, seen));
    } else if (type instanceof Class<?> c && c.isRecord() && seen.add(c)) {
      for (RecordComponent rc : c.getRecordComponents()) {
        collect(rc.getGenericType(), seen);
      }
    } else if (type instanceof Class<?> c && c.isSealed()) {
      Arrays.stream(c.getPermittedSubclasses()).forEach(k -> collect(k, seen));
    }
  }

  private static String cap(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  @Test
  void everyRecipeFieldHasABuilderMethod() throws Exception {
    Set<Class<?>> records = recipeRecords();
    // the walk reaches the nested records too, so a new section cannot hide from this test
    assertTrue(records.contains(UnfreezeSpec.GradualSpec.class), records.toString());
    assertTrue(records.contains(UnfreezeSpec.FineTuneSpec.class), records.toString());
    assertTrue(records.contains(DiscriminativeSpec.class), records.toString());
    assertTrue(records.contains(DjlModel.class), records.toString());
    assertTrue(records.contains(CsvSplit.class), records.toString());
    assertTrue(records.size() >= 21, records.toString());

    List<String> problems = new ArrayList<>();
    for (Class<?> rec : records) {
      String name = rec.getSimpleName();
      Class<?> builder =
          Arrays.stream(rec.getDeclaredClasses())
              .filter(c -> c.getSimpleName().equals("Builder"))
              .findFirst()
              .orElse(null);
      if (builder == null) {
        problems.add(name + ": no nested Builder class");
        continue;
      }
      int mods = builder.getModifiers();
      if (!Modifier.isPublic(mods) || !Modifier.isStatic(mods) || !Modifier.isFinal(mods)) {
        problems.add(name + ".Builder: must be public static final");
      }
      try {
        Method factory = rec.getMethod("builder");
        if (!Modifier.isStatic(factory.getModifiers()) || factory.getReturnType() != builder) {
          problems.add(name + ".builder(): must be static and return " + name + ".Builder");
        }
      } catch (NoSuchMethodException e) {
        problems.add(name + ": no public static builder()");
      }
      try {
        if (builder.getMethod("build").getReturnType() != rec) {
          problems.add(name + ".Builder.build(): must return " + name);
        }
      } catch (NoSuchMethodException e) {
        problems.add(name + ".Builder: no build()");
      }
      for (RecordComponent c : rec.getRecordComponents()) {
        boolean required = c.isAnnotationPresent(Required.class);
        String want = (required ? "set" : "opt") + cap(c.getName());
        String other = (required ? "opt" : "set") + cap(c.getName());
        List<Method> wanted =
            Arrays.stream(builder.getMethods()).filter(m -> m.getName().equals(want)).toList();
        if (wanted.isEmpty()) {
          problems.add(
              name
                  + "."
                  + c.getName()
                  + (required ? " (required)" : " (optional)")
                  + ": no Builder."
                  + want
                  + "(...)");
        }
        for (Method m : wanted) {
          if (m.getReturnType() != builder) {
            problems.add(name + ".Builder." + want + ": must return the Builder for chaining");
          }
        }
        if (Arrays.stream(builder.getMethods()).anyMatch(m -> m.getName().equals(other))) {
          problems.add(
              name
                  + ".Builder."
                  + other
                  + ": wrong prefix, the field is "
                  + (required ? "required (setX)" : "optional (optX)"));
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void quickstartBuiltInJavaEqualsTheYamlRecipe() throws Exception {
    Recipe fromYaml = RecipeReader.read(QUICKSTART, List.of());
    Recipe built = QuickstartInJava.recipe();
    assertEquals(RecipeReader.toYaml(fromYaml), RecipeReader.toYaml(built)); // readable diff
    assertEquals(fromYaml, built);
    assertEquals(fromYaml, FineTune.validate(built));
  }

  @Test
  void missingRequiredFieldsAreAllNamed() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Recipe.builder().optDescription("x").build());
    assertEquals(
        "Recipe: required fields not set: model, head, data, groups, optimizer, output",
        e.getMessage());

    e =
        assertThrows(
            IllegalStateException.class,
            () -> UnfreezeSpec.UnfreezeAtSpec.builder().optGrow(3).setGroups("a").build());
    assertEquals(
        "UnfreezeSpec.UnfreezeAtSpec: required fields not set: epoch, epochs", e.getMessage());

    e = assertThrows(IllegalStateException.class, () -> OutputSpec.builder().build());
    assertEquals("OutputSpec: required field not set: dir", e.getMessage());

    // records without required fields build with their defaults
    assertEquals(new ClipSpec(null, null), ClipSpec.builder().build());
    assertEquals(
        new ScheduleSpec(null, null, null, null, null, null, null, null, null, null, null, null),
        ScheduleSpec.builder().build());
  }

  @Test
  void validateReportsEveryProblemWithItsRecipePath() {
    Recipe q = QuickstartInJava.recipe();
    Recipe bad =
        new Recipe(
            q.description(),
            q.model(),
            q.head(),
            q.task(),
            q.data(),
            q.groups(),
            q.stages(),
            q.unfreeze(),
            OptimizerSpec.builder().setLr(-1).build(),
            q.schedule(),
            MonitorSpec.builder().optEvery(5).addDriftBound("nope", 1.0).build(),
            q.train(),
            q.output());
    RecipeException e = assertThrows(RecipeException.class, () -> FineTune.validate(bad));
    assertTrue(
        e.problems().contains("optimizer.lr: must be positive, got -1.0"), e.problems().toString());
    assertTrue(
        e.problems().contains("monitor.drift_bounds.nope: unknown group 'nope'"),
        e.problems().toString());

    // values only the file format would catch are caught for Java recipes too
    Recipe badValues =
        new Recipe(
            null,
            BertOnnxModel.builder().optBundled("all-minilm-l6-v2").optInit("warm").build(),
            q.head(),
            q.task(),
            q.data(),
            q.groups(),
            q.stages(),
            null,
            OptimizerSpec.builder().setLr(Double.NaN).build(),
            null,
            null,
            null,
            q.output());
    e = assertThrows(RecipeException.class, () -> FineTune.validate(badValues));
    assertTrue(
        e.problems().stream().anyMatch(p -> p.startsWith("model.init: 'warm' is not one of")),
        e.problems().toString());
    assertTrue(
        e.problems().stream().anyMatch(p -> p.startsWith("optimizer.lr: ")),
        e.problems().toString());

    // a recipe made with the canonical constructor may lack required fields
    Recipe empty =
        new Recipe(null, null, null, null, null, null, null, null, null, null, null, null, null);
    e = assertThrows(RecipeException.class, () -> FineTune.validate(empty));
    assertTrue(e.problems().contains("model: required field is missing"), e.problems().toString());
    assertTrue(e.problems().contains("output: required field is missing"), e.problems().toString());
  }

  @Test
  void conveniencesMatchTheCanonicalConstructors() {
    assertEquals(
        new StageSpec(2, List.of("a", "b"), Map.of("a", 0.5)),
        StageSpec.builder().setEpochs(2).setTrain(List.of("a", "b")).addLrScale("a", 0.5).build());
    assertEquals(
        new OptimizerSpec(
            "sgd",
            0.1,
            null,
            List.of(1e-4, 1e-2),
            0.7,
            null,
            null,
            new ClipSpec(1.0, null),
            0.9,
            0.1,
            true,
            null,
            null,
            null,
            null,
            null,
            null),
        OptimizerSpec.builder()
            .optType("sgd")
            .setLr(0.1)
            .optSpread(1e-4, 1e-2)
            .optLayerDecay(0.7)
            .optClip(ClipSpec.builder().optGlobalNorm(1.0).build())
            .optMomentum(0.9)
            .optDampening(0.1)
            .optNesterov(true)
            .build());
    Recipe.Builder b =
        Recipe.builder()
            .setModel(SafetensorsModel.builder().setDir("s").build())
            .setHead(HeadSpec.builder().optClasses("a", "b").build())
            .setData(
                DataSpec.builder().setTrain(TextJsonlSplit.builder().setPath("p").build()).build())
            .setOptimizer(OptimizerSpec.builder().setLr(1).build())
            .setOutput(OutputSpec.builder().setDir("d").build());
    GroupSpec g1 = GroupSpec.builder().setName("g1").setMatch("x.*").build();
    GroupSpec g2 =
        GroupSpec.builder().setName("g2").setMatch(List.of("y.*")).optNorm("freeze_all").build();
    Recipe added = b.addGroup(g1).addGroup(g2).build();
    Recipe set = b.setGroups(g1, g2).build();
    assertEquals(List.of(g1, g2), added.groups());
    assertEquals(added, set);
    // the builder is reusable: building again does not share mutable state with the first result
    b.addGroup(GroupSpec.builder().setName("g3").setMatch("z").build());
    assertEquals(2, added.groups().size());
    assertEquals(3, b.build().groups().size());
  }

  @Test
  void docsShowTheJavaExampleVerbatim() throws Exception {
    String example =
        Files.readString(
            Path.of("src/test/java/io/github/finetune4j/examples/QuickstartInJava.java"));
    String doc = Files.readString(Path.of("docs/java-api.md"));
    assertTrue(
        doc.contains("```java\n" + example + "```"),
        "docs/java-api.md must show src/test/java/io/github/finetune4j/examples/"
            + "QuickstartInJava.java verbatim in a java block; copy it again");
    assertNotNull(QuickstartInJava.recipe());
  }
}
