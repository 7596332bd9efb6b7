package io.github.finetune4j.train;

import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.policy.StagePlan;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * How the loop treats a frozen prefix of a {@link Segmented} model: the longest run of segments,
 * from the bottom, that own no parameter the stage trains and no running statistic the stage
 * updates. With {@link Mode#AUTO} the prefix runs in inference mode (no dropout) once per example
 * and the stage trains the rest on the stored outputs; {@link Mode#RECOMPUTE} runs the prefix the
 * same way but every step (the same numbers, for checking the cache); {@link Mode#OFF} runs the
 * whole model in training mode, frozen layers' dropout included.
 *
 * @param mode what to do with a frozen prefix
 * @param budgetBytes cached bytes kept on the heap; beyond it rows go to a memory-mapped file
 * @param spillDir where that file is made
 */
public record FeatureCachePolicy(Mode mode, long budgetBytes, Path spillDir) {

  /** What to do with a frozen prefix. */
  public enum Mode {
    /** Run it in inference mode once per example and train on the stored outputs (default). */
    AUTO,
    /** Run it in inference mode every step, storing nothing: the cache's reference. */
    RECOMPUTE,
    /** No prefix: the whole model runs in training mode. */
    OFF
  }

  /** The default budget on the heap: 1 GiB. */
  public static final long DEFAULT_BUDGET = 1L << 30;

  /** {@link Mode#AUTO}, 1 GiB on the heap, spilling to the temporary directory. */
  public static final FeatureCachePolicy DEFAULT =
      new FeatureCachePolicy(
          Mode.AUTO, DEFAULT_BUDGET, Path.of(System.getProperty("java.io.tmpdir")));

  /** Checks the budget. */
  public FeatureCachePolicy {
    if (mode == null || spillDir == null) {
      throw new IllegalArgumentException("mode and spillDir are required");
    }
    if (budgetBytes < 0) {
      throw new IllegalArgumentException("budgetBytes must be >= 0, got " + budgetBytes);
    }
  }

  /**
   * The frozen prefix of a stage, for a model that may not be {@link Segmented}.
   *
   * @param block the model
   * @param trained the parameters the stage trains
   * @param norms the norm policy, or null
   * @param stage the stage
   * @return the number of segments in the prefix (0: none, or not a segmented model)
   */
  public static int boundary(
      Object block, Collection<String> trained, NormSetup norms, StagePlan stage) {
    if (!(block instanceof Segmented sg)) {
      return 0;
    }
    List<String> updated = new java.util.ArrayList<>();
    if (norms != null) {
      java.util.Set<String> fixed = norms.fixedIn(stage);
      for (io.github.finetune4j.model.NormLayers.Layer l : norms.layers().layers()) {
        if (!fixed.contains(l.name())) {
          updated.addAll(l.statistics());
        }
      }
    }
    return boundary(sg.segments(), trained, updated);
  }

  /**
   * The first segment a stage trains: the number of segments in its frozen prefix (0: none). Never
   * the last segment, and 0 when a trained parameter belongs to no segment.
   *
   * @param segments the model's segments
   * @param trained the parameters the stage trains, by dotted name
   * @param updatedStatistics the running statistics the stage updates, by dotted name
   * @return the boundary
   */
  public static int boundary(
      List<Segmented.Segment> segments,
      Collection<String> trained,
      Collection<String> updatedStatistics) {
    for (String name : trained) {
      if (segments.stream().noneMatch(g -> g.owns().test(name))) {
        return 0;
      }
    }
    int k = 0;
    while (k < segments.size() - 1) {
      Segmented.Segment g = segments.get(k);
      if (trained.stream().anyMatch(g.owns()) || updatedStatistics.stream().anyMatch(g.owns())) {
        break;
      }
      k++;
    }
    return k;
  }
}
