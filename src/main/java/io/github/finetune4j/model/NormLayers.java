package io.github.finetune4j.model;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers of a model that keep running statistics (BatchNorm), and the switches that decide,
 * layer by layer, whether those statistics update. Names follow {@code ParameterNames}: a layer
 * {@code features.3} owns {@code features.3.weight}, {@code features.3.bias} and the statistics
 * {@code features.3.running_mean}, {@code features.3.running_var}.
 *
 * <p>Two kinds of layer are handled:
 *
 * <ul>
 *   <li>DJL {@link BatchNorm} blocks: each is replaced in its parent by a transparent stand-in
 *       ({@link PolicyBatchNorm}) that runs it in inference mode when its statistics are fixed, and
 *       that re-estimates them on demand. Every layer is controlled on its own.
 *   <li>BatchNorm submodules of a TorchScript module loaded with {@link TorchScriptBlock#load}: DJL
 *       switches a scripted module's mode as a whole, so all BatchNorm layers of one module must
 *       agree, nothing else in it may depend on the mode while it trains, and statistics cannot be
 *       re-estimated. {@link #check} says so before training starts.
 * </ul>
 *
 * A plain {@link PtSymbolBlock} (not loaded through {@link TorchScriptBlock#load}) cannot be
 * controlled at all; its BatchNorm layers are listed so that {@link #check} can refuse any plan
 * that needs their statistics fixed.
 */
public final class NormLayers {

  /** How a layer is implemented, which decides what can be done with it. */
  public enum Kind {
    /** A DJL {@link BatchNorm} block. */
    BATCH_NORM,
    /** A BatchNorm submodule of a TorchScript module loaded with {@link TorchScriptBlock#load}. */
    TORCHSCRIPT_BATCH_NORM,
    /** A BatchNorm submodule of a TorchScript module loaded some other way (not controllable). */
    FOREIGN_TORCHSCRIPT_BATCH_NORM
  }

  /**
   * One layer with running statistics.
   *
   * @param name dotted layer name, e.g. {@code backbone.bn1}
   * @param kind implementation
   * @param affine names of its weight and bias (empty when it has none)
   * @param statistics names of its running mean and variance
   * @param module dotted name of the TorchScript module it belongs to, or null for DJL blocks
   */
  public record Layer(
      String name, Kind kind, List<String> affine, List<String> statistics, String module) {}

  private final List<Layer> layers = new ArrayList<>();
  private final Map<String, PolicyBatchNorm> djl = new LinkedHashMap<>();
  private final Map<String, TorchScriptBlock> scripted = new LinkedHashMap<>();
  private final Map<String, List<String>> modeDependent = new LinkedHashMap<>();
  private final List<String> structural = new ArrayList<>();

  private NormLayers() {}

  /**
   * Finds every layer with running statistics under {@code root} and puts the DJL ones under policy
   * control (replacing each {@link BatchNorm} in its parent by a transparent stand-in). Calling it
   * again on the same tree finds the stand-ins and does not wrap twice.
   *
   * @param root the model
   * @return the layers
   * @throws IOException when a TorchScript module cannot be inspected
   */
  public static NormLayers attach(Block root) throws IOException {
    NormLayers n = new NormLayers();
    if (root instanceof BatchNorm) {
      n.structural.add("the model's root block is a BatchNorm layer, which cannot be wrapped");
    }
    n.visit(root, "", null);
    return n;
  }

  /**
   * The layers, in model order.
   *
   * @return the layers
   */
  public List<Layer> layers() {
    return List.copyOf(layers);
  }

  /**
   * Checks that a plan can be honoured: the problems, each a sentence with the layer, the reason
   * and what to do; empty when it can.
   *
   * @param fixedPerStage for each stage, the layers whose statistics must stay fixed
   * @param trainingPerStage for each stage, the parameter names that train
   * @param recalibrated the layers whose statistics must be re-estimated before training
   * @return the problems
   */
  public List<String> check(
      List<Set<String>> fixedPerStage,
      List<Set<String>> trainingPerStage,
      Set<String> recalibrated) {
    List<String> problems = new ArrayList<>(structural);
    for (Layer l : layers) {
      if (recalibrated.contains(l.name()) && l.kind() != Kind.BATCH_NORM) {
        problems.add(
            "layer '"
                + l.name()
                + "': 'recalibrate' cannot be honoured inside TorchScript"
                + " module '"
                + l.module()
                + "': DJL cannot reach a scripted module's buffers to reset"
                + " them; use freeze_stats or train for its group");
      }
    }
    for (int s = 0; s < fixedPerStage.size(); s++) {
      Set<String> fixed = fixedPerStage.get(s);
      Set<String> training = trainingPerStage.get(s);
      Map<String, List<Layer>> byModule = new LinkedHashMap<>();
      for (Layer l : layers) {
        if (l.module() != null) {
          byModule.computeIfAbsent(l.module(), k -> new ArrayList<>()).add(l);
        }
      }
      for (Map.Entry<String, List<Layer>> e : byModule.entrySet()) {
        String module = e.getKey();
        List<String> fixedHere =
            e.getValue().stream().map(Layer::name).filter(fixed::contains).toList();
        List<String> moving =
            e.getValue().stream().map(Layer::name).filter(x -> !fixed.contains(x)).toList();
        if (fixedHere.isEmpty()) {
          continue;
        }
        String where = "stage " + (s + 1) + ": TorchScript module '" + label(module) + "'";
        if (e.getValue().get(0).kind() == Kind.FOREIGN_TORCHSCRIPT_BATCH_NORM) {
          problems.add(
              where
                  + " was not loaded with TorchScriptBlock.load, so the running"
                  + " statistics of "
                  + fixedHere
                  + " cannot be kept fixed; load it with"
                  + " TorchScriptBlock.load");
          continue;
        }
        if (!moving.isEmpty()) {
          problems.add(
              where
                  + " switches all its BatchNorm layers together, but the plan keeps "
                  + fixedHere
                  + " fixed and updates "
                  + moving
                  + "; give these layers the same"
                  + " norm mode and the same stages");
        }
        List<String> dependent = modeDependent.getOrDefault(module, List.of());
        String prefix = module.isEmpty() ? "" : module + ".";
        boolean trains = training.stream().anyMatch(p -> p.startsWith(prefix));
        if (!dependent.isEmpty() && trains) {
          problems.add(
              where
                  + " must run in inference mode to keep "
                  + fixedHere
                  + " fixed,"
                  + " which would also change "
                  + dependent
                  + " (they read the training flag) while"
                  + " its parameters train; train its BatchNorm statistics in this stage or freeze"
                  + " the whole module");
        }
      }
    }
    return problems;
  }

  private static String label(String module) {
    return module.isEmpty() ? "(root)" : module;
  }

  /**
   * Sets which layers keep their statistics fixed; every other layer updates them in training
   * forward passes. A TorchScript module is put in inference mode when any of its layers is in
   * {@code fixed} ({@link #check} refuses plans where its layers disagree).
   *
   * @param fixed layer names
   */
  public void fixStatistics(Set<String> fixed) {
    djl.forEach((name, bn) -> bn.fixStatistics(fixed.contains(name)));
    scripted.forEach(
        (module, block) ->
            block.fixStatistics(
                layers.stream()
                    .anyMatch(l -> module.equals(l.module()) && fixed.contains(l.name()))));
  }

  /**
   * Starts re-estimating the statistics of some DJL layers: every following forward pass (run it
   * with {@code training = true} and no gradient) accumulates their batch statistics.
   *
   * @param names layer names (each must be a DJL BatchNorm layer)
   */
  public void beginRecalibration(Set<String> names) {
    for (String n : names) {
      PolicyBatchNorm bn = djl.get(n);
      if (bn == null) {
        throw new IllegalArgumentException("cannot re-estimate the statistics of layer " + n);
      }
      bn.beginRecalibration();
    }
  }

  /**
   * Ends re-estimation: each layer's running mean and variance become the averages over the batches
   * seen.
   *
   * @return per layer, how many batches were averaged
   */
  public Map<String, Long> endRecalibration() {
    Map<String, Long> out = new LinkedHashMap<>();
    djl.forEach(
        (name, bn) -> {
          long n = bn.endRecalibration();
          if (n > 0) {
            out.put(name, n);
          }
        });
    return out;
  }

  /** Forgets which DJL layers forward passes went through (see {@link #unreached}). */
  public void clearReached() {
    djl.values().forEach(PolicyBatchNorm::resetReached);
  }

  /**
   * The DJL layers no forward pass went through since {@link #clearReached}: their parent calls
   * them directly instead of through its children, so the policy cannot act on them.
   *
   * @return layer names
   */
  public List<String> unreached() {
    return djl.entrySet().stream()
        .filter(e -> !e.getValue().reached())
        .map(Map.Entry::getKey)
        .toList();
  }

  private void visit(Block block, String prefix, Block parent) throws IOException {
    if (block instanceof PtSymbolBlock pt) {
      addScripted(pt, prefix);
      return;
    }
    if (block instanceof PolicyBatchNorm bn) {
      addDjl(bn, prefix);
      return;
    }
    int index = 0;
    for (Pair<String, Block> child : block.getChildren()) {
      index++;
      String own = ParameterNames.childName(block, child.getKey(), index);
      String name = prefix + own;
      Block b = child.getValue();
      if (b instanceof PolicyBatchNorm wrapped) { // attached before (the block is reused)
        addDjl(wrapped, name);
      } else if (b instanceof BatchNorm bn) {
        PolicyBatchNorm wrapper = new PolicyBatchNorm(bn);
        if (replace(block, child.getKey(), wrapper)) {
          addDjl(wrapper, name);
        } else {
          structural.add(
              "layer '"
                  + name
                  + "': its parent "
                  + block.getClass().getSimpleName()
                  + " does not keep its children in DJL's child list, so its BatchNorm cannot be"
                  + " put under a norm policy");
        }
      } else {
        visit(b, ParameterNames.childPrefix(prefix, own), block);
      }
    }
  }

  private void addDjl(PolicyBatchNorm bn, String name) {
    djl.put(name, bn);
    layers.add(
        new Layer(
            name,
            Kind.BATCH_NORM,
            List.of(name + ".weight", name + ".bias"),
            List.of(name + ".running_mean", name + ".running_var"),
            null));
  }

  private void addScripted(PtSymbolBlock pt, String prefix) throws IOException {
    String module = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    TorchScriptStructure structure;
    Kind kind;
    if (pt instanceof TorchScriptBlock ts) {
      structure = ts.structure();
      kind = Kind.TORCHSCRIPT_BATCH_NORM;
      scripted.put(module, ts);
    } else {
      Path tmp = Files.createTempFile("finetune4j-module", ".pt");
      try {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          JniUtils.writeModule(pt, out, false);
        }
        structure = TorchScriptStructure.read(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
      kind = Kind.FOREIGN_TORCHSCRIPT_BATCH_NORM;
    }
    for (TorchScriptStructure.Module m : structure.statisticsModules()) {
      String name = prefix + m.path();
      List<String> affine = new ArrayList<>();
      for (String p : m.parameters()) {
        affine.add(name + "." + p);
      }
      layers.add(
          new Layer(
              name, kind, affine, List.of(name + ".running_mean", name + ".running_var"), module));
    }
    List<String> dependent = new ArrayList<>();
    for (TorchScriptStructure.Module m : structure.modeDependentModules()) {
      dependent.add(
          (m.path().isEmpty() ? label(module) : prefix + m.path()) + " (" + m.shortType() + ")");
    }
    modeDependent.put(module, dependent);
  }

  /**
   * Replaces a child in place (same key, same position); false when the parent is not ours to edit.
   */
  private static boolean replace(Block parent, String key, Block replacement) {
    if (!(parent instanceof AbstractBlock)) {
      return false;
    }
    try {
      Field f = AbstractBlock.class.getDeclaredField("children");
      f.setAccessible(true);
      BlockList children = (BlockList) f.get(parent);
      int i = children.indexOf(key);
      if (i < 0) {
        return false;
      }
      children.remove(i);
      children.add(i, key, replacement);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
