package io.github.finetune4j.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** {@link Recipe#toBuilder()}: a builder pre-filled with a recipe, to change one section. */
class RecipeToBuilderTest {

  /** Shipped recipes with stages, with an unfreeze policy and schedule, and a regression task. */
  private static final List<Path> SHIPPED =
      List.of(
          Path.of("recipes/quickstart.yaml"),
          Path.of("recipes/spamassassin/ulmfit.yaml"),
          Path.of("recipes/tabular/diabetes-regression.yaml"));

  @Test
  void toBuilderBuildsAnEqualRecipe() throws Exception {
    for (Path file : SHIPPED) {
      Recipe r = RecipeReader.read(file, List.of());
      Recipe copy = r.toBuilder().build();
      assertEquals(r, copy, file.toString());
      assertNotSame(r, copy);
      // still a valid recipe, written out the same
      assertEquals(RecipeReader.toYaml(r), RecipeReader.toYaml(RecipeReader.check(copy)));
    }
  }

  @Test
  void changingOneSectionChangesOnlyIt() throws Exception {
    Recipe r = RecipeReader.read(Path.of("recipes/spamassassin/ulmfit.yaml"), List.of());
    ScheduleSpec cosine = ScheduleSpec.builder().optType("cosine").build();
    assertNotEquals(r.schedule(), cosine);

    Recipe changed = r.toBuilder().optSchedule(cosine).build();

    assertEquals(cosine, changed.schedule());
    assertEquals(List.of("schedule"), differingComponents(r, changed));
    assertEquals("slanted_triangular", r.schedule().type(), "the original is unchanged");

    Recipe seeded = r.toBuilder().optTrain(TrainSpec.builder().optSeed(7).build()).build();
    assertEquals(7L, seeded.train().seed());
    assertEquals(List.of("train"), differingComponents(r, seeded));
  }

  @Test
  void theBuildersListsAreTheirOwn() throws Exception {
    Recipe r = RecipeReader.read(Path.of("recipes/quickstart.yaml"), List.of());
    int groups = r.groups().size();
    int stages = r.stages().size();
    Recipe more =
        r.toBuilder()
            .addGroup(r.groups().get(0))
            .addStage(r.stages().get(r.stages().size() - 1))
            .build();
    assertEquals(groups + 1, more.groups().size());
    assertEquals(stages + 1, more.stages().size());
    assertEquals(groups, r.groups().size());
    assertEquals(stages, r.stages().size());
    assertEquals(List.of("groups", "stages"), differingComponents(r, more));
  }

  private static List<String> differingComponents(Recipe a, Recipe b) throws Exception {
    List<String> names = new ArrayList<>();
    for (RecordComponent c : Recipe.class.getRecordComponents()) {
      Object x = c.getAccessor().invoke(a);
      Object y = c.getAccessor().invoke(b);
      if (!Objects.equals(x, y)) {
        names.add(c.getName());
      }
    }
    return names;
  }
}
