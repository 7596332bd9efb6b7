package io.github.finetune4j.params;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Dotted, Hugging-Face-style names for every parameter of a DJL block tree.
 *
 * <p>DJL names a child {@code "%02d" + name} and joins levels with {@code _}; recipes match names
 * such as {@code encoder.layer.3.attention.self.query.weight}. This walks the tree, strips exactly
 * the index prefix DJL added, joins levels with {@code .}, and renames DJL's parameter names to the
 * PyTorch ones: {@code gamma -> weight}, {@code beta -> bias}, {@code embedding -> weight}.
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

  private static void collect(Block block, String prefix, Map<String, Parameter> out) {
    for (Pair<String, Parameter> pair : block.getDirectParameters()) {
      Parameter p = pair.getValue();
      String name = prefix + torchName(p.getName());
      if (out.put(name, p) != null) {
        throw new IllegalStateException("Two parameters share the name " + name);
      }
    }
    int index = 0;
    for (Pair<String, Block> child : block.getChildren()) {
      index++;
      collect(child.getValue(), prefix + childName(child.getKey(), index) + ".", out);
    }
  }

  /** Strips the {@code %02d} index prefix DJL puts before a child's name. */
  static String childName(String key, int index) {
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
      default:
        return djlName;
    }
  }
}
