package io.github.finetune4j.model;

import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.function.Predicate;

/**
 * A block whose forward pass is a chain of segments, bottom first: segment {@code i}'s outputs are
 * segment {@code i + 1}'s inputs, and running all of them is the block's forward pass.
 *
 * <p>The training loop uses it to cache frozen features: when a stage trains only parameters above
 * a frozen prefix of segments, the prefix runs once per example (in inference mode) and the stage
 * trains the rest on the stored outputs. Every output array of a segment has the examples on axis
 * 0. The outputs of a segment marked {@link Segment#bySequence} have the token positions on axis 1;
 * the cache keeps each example's own positions and pads a batch with zeros, which must not change
 * the real positions (as with an attention mask of 0).
 *
 * <p>A user's block implements this to get the cache; a block that does not is simply never cached.
 */
public interface Segmented {

  /**
   * One segment.
   *
   * @param name a label for the plan, e.g. {@code encoder.layer.2}
   * @param owns whether a parameter (or running statistic), by dotted name, belongs to it
   * @param bySequence its outputs are per token position: axis 1 of each is the batch's padded
   *     length (hidden states {@code [B, T, H]}, a mask {@code [B, T]})
   */
  record Segment(String name, Predicate<String> owns, boolean bySequence) {

    /**
     * A segment whose outputs are not per token position.
     *
     * @param name a label for the plan
     * @param owns whether a parameter belongs to it
     */
    public Segment(String name, Predicate<String> owns) {
      this(name, owns, false);
    }
  }

  /**
   * The segments, bottom first.
   *
   * @return at least one segment
   */
  List<Segment> segments();

  /**
   * Runs segments {@code from} (inclusive) to {@code to} (exclusive): with {@code 0} and {@code
   * segments().size()} the block's forward pass.
   *
   * @param ps the parameter store of this pass
   * @param inputs segment {@code from}'s inputs (the block's inputs when {@code from} is 0)
   * @param from the first segment to run
   * @param to the segment after the last one to run
   * @param training whether dropout is active and running statistics update
   * @return segment {@code to - 1}'s outputs
   */
  NDList forwardSegments(ParameterStore ps, NDList inputs, int from, int to, boolean training);
}
