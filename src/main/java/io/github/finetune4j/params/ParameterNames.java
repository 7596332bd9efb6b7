package io.github.finetune4j.params;

import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Dotted, Hugging-Face-style names for every parameter of a DJL block tree.
 *
 * <p>DJL names a child {@code "%02d" + name} and joins levels with {@code _}; recipes match names
 * such as {@code encoder.layer.3.attention.self.query.weight}. This walks the tree, strips exactly
 * the index prefix DJL added (children of a sequential or parallel block are named by position from
 * 0, as in PyTorch: {@code features.0.weight}), joins levels with {@code .}, and renames DJL's
 * parameter names to the PyTorch ones: {@code gamma -> weight}, {@code beta -> bias}, {@code
 * embedding -> weight}, {@code runningMean -> running_mean}, {@code runningVar -> running_var}. A
 * child added under the empty name adds no level: its parameters keep their names ({@link
 * #childPrefix}).
 *
 * <p>Running statistics are listed by {@link #of} (they are DJL parameters) but are not trained:
 * {@link #trainable} leaves them out.
 */
public final class ParameterNames {

  private ParameterNames() {}

  /**
   * Returns every parameter of {@code block} under its dotted name, in registration order.
   *
   * @param block the root block
   * @return an insertion-ordered map from dotted name to parameter
   */
  public static Map<String, Parameter> of(Block block) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(block, "", out);
    return out;
  }

  /**
   * Like {@link #of}, without running statistics (BatchNorm's running mean and variance), which no
   * optimizer updates.
   *
   * @param block the root block
   * @return an insertion-ordered map from dotted name to trainable parameter
   */
  public static Map<String, Parameter> trainable(Block block) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    of(block)
        .forEach(
            (name, p) -> {
              if (!isStatistic(p)) {
                out.put(name, p);
              }
            });
    return out;
  }

  /**
   * Whether a parameter is a running statistic rather than a weight.
   *
   * @param p the parameter
   * @return true for running means and variances
   */
  public static boolean isStatistic(Parameter p) {
    return p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR;
  }

  private static void collect(Block block, String prefix, Map<String, Parameter> out) {
    for (Parameter p : block.getDirectParameters().values()) {
      String name = prefix + torchName(p.getName());
      if (out.put(name, p) != null) {
        throw new IllegalStateException("Two parameters share the name " + name);
      }
    }
    int index = 0;
    for (Pair<String, Block> child : block.getChildren()) {
      index++;
      collect(child.getValue(), childPrefix(prefix, childName(block, child.getKey(), index)), out);
    }
  }

  /**
   * The prefix of the names under a child: {@code prefix + name + "."}, or {@code prefix} itself
   * for a child added under the empty name, whose parameters keep their own names (a wrapper that
   * adds a head to a TorchScript module leaves the module's names, e.g. {@code body.0.weight}, as
   * they are in PyTorch).
   *
   * @param prefix the parent's prefix ("" at the root, else ending in ".")
   * @param name the child's name ({@link #childName(Block, String, int)})
   * @return the child's prefix
   */
  public static String childPrefix(String prefix, String name) {
    return name.isEmpty() ? prefix : prefix + name + ".";
  }

  /**
   * The name of a child in dotted names: its position from 0 inside DJL's {@link SequentialBlock}
   * and {@link ParallelBlock} (as PyTorch names the children of {@code nn.Sequential}: their DJL
   * keys are only the class name, e.g. {@code 01Linear}, {@code 03Linear}); elsewhere its key
   * without DJL's index prefix.
   *
   * @param parent the parent block
   * @param key the child's key in its parent
   * @param index the child's 1-based position
   * @return the name used in dotted parameter names
   */
  public static String childName(Block parent, String key, int index) {
    if (parent instanceof SequentialBlock || parent instanceof ParallelBlock) {
      return Integer.toString(index - 1);
    }
    return childName(key, index);
  }

  /**
   * Strips the {@code %02d} index prefix DJL puts before a child's name.
   *
   * @param key the child's key in its parent
   * @param index the child's 1-based position
   * @return the name used in dotted parameter names
   */
  public static String childName(String key, int index) {
    String p = String.format(Locale.ROOT, "%02d", index);
    return key.startsWith(p) ? key.substring(p.length()) : key;
  }

  /** Maps DJL parameter names to their PyTorch equivalents. */
  static String torchName(String djlName) {
    switch (djlName) {
      case "gamma":
        return "weight";
      case "beta":
        return "bias";
      case "embedding":
        return "weight";
      case "runningMean":
        return "running_mean";
      case "runningVar":
        return "running_var";
      default:
        return djlName;
    }
  }
}
