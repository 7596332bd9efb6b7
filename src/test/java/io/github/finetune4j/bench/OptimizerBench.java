package io.github.finetune4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.ParamSlot;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.optim.Updater;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times one optimizer step of {@link Updater} over the 62 parameter tensors of ResNet-18 (11.7M
 * values), for SGD with momentum and for AdamW. The counterpart is {@code
 * src/test/python/bench_torch_optim.py}; see {@code docs/benchmarks.md} for the command line.
 *
 * <p>Arguments (optional): {@code runs stepsPerRun warmupSteps}, default {@code 7 10 5}. Prints the
 * median over runs of the mean step time of each run.
 *
 * <p>{@code sgd_momentum} is the default path (TorchScript kernels, {@code FusedKernels}); {@code
 * sgd_momentum_djl} the same step with the fused kernels switched off (DJL operations, as before
 * them). The gradients are fixed, as in the torch script; on the fused path SGD uses them as
 * scratch (it adds {@code wd * w} to them in place), so they drift by about {@code 1e-6} per step,
 * which changes no work done.
 */
public final class OptimizerBench {

  private OptimizerBench() {}

  /**
   * ResNet-18's parameter shapes in torchvision order.
   *
   * @return 62 shapes, 11,689,512 values in all
   */
  static List<long[]> resnet18Shapes() {
    List<long[]> shapes = new ArrayList<>();
    shapes.add(new long[] {64, 3, 7, 7});
    shapes.add(new long[] {64});
    shapes.add(new long[] {64});
    long inplanes = 64;
    long[][] stages = {{64, 1}, {128, 2}, {256, 2}, {512, 2}};
    for (long[] stage : stages) {
      long planes = stage[0];
      for (int b = 0; b < 2; b++) {
        long stride = b == 0 ? stage[1] : 1;
        shapes.add(new long[] {planes, inplanes, 3, 3});
        shapes.add(new long[] {planes});
        shapes.add(new long[] {planes});
        shapes.add(new long[] {planes, planes, 3, 3});
        shapes.add(new long[] {planes});
        shapes.add(new long[] {planes});
        if (b == 0 && (stride != 1 || inplanes != planes)) {
          shapes.add(new long[] {planes, inplanes, 1, 1});
          shapes.add(new long[] {planes});
          shapes.add(new long[] {planes});
        }
        inplanes = planes;
      }
    }
    shapes.add(new long[] {1000, 512});
    shapes.add(new long[] {1000});
    return shapes;
  }

  /**
   * Runs the benchmark.
   *
   * @param args optional {@code runs stepsPerRun warmupSteps}
   */
  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<long[]> shapes = resnet18Shapes();
    long total = shapes.stream().mapToLong(s -> new Shape(s).size()).sum();
    System.out.printf(Locale.ROOT, "tensors=%d values=%d%n", shapes.size(), total);
    bench(
        "sgd_momentum",
        new Sgd(0.9, 0.0, false),
        GroupHyper.of(0.01).withWeightDecay(1e-4),
        shapes,
        runs,
        steps,
        warmup,
        true);
    bench(
        "sgd_momentum_djl",
        new Sgd(0.9, 0.0, false),
        GroupHyper.of(0.01).withWeightDecay(1e-4),
        shapes,
        runs,
        steps,
        warmup,
        false);
    bench(
        "adamw",
        new AdamW(0.9, 0.999, 1e-8, false),
        GroupHyper.of(1e-3).withWeightDecay(0.01),
        shapes,
        runs,
        steps,
        warmup,
        true);
  }

  /**
   * Calls the package-private {@code Updater.useFusedKernels} (a switch for tests and this bench).
   */
  private static void useFusedKernels(Updater updater, boolean enabled) {
    try {
      Method m = Updater.class.getDeclaredMethod("useFusedKernels", boolean.class);
      m.setAccessible(true);
      m.invoke(updater, enabled);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void bench(
      String label,
      UpdateRule rule,
      GroupHyper hyper,
      List<long[]> shapes,
      int runs,
      int steps,
      int warmup,
      boolean fused) {
    try (NDManager manager = NDManager.newBaseManager();
        Updater updater = new Updater(rule, manager)) {
      useFusedKernels(updater, fused);
      manager.getEngine().setRandomSeed(0);
      List<ParamSlot> slots = new ArrayList<>();
      for (int i = 0; i < shapes.size(); i++) {
        Shape shape = new Shape(shapes.get(i));
        NDArray w = manager.randomNormal(0f, 0.05f, shape, DataType.FLOAT32);
        w.setRequiresGradient(true);
        NDArray g = manager.randomNormal(0f, 0.01f, shape, DataType.FLOAT32);
        slots.add(ParamSlot.of("p" + i, w, g, hyper));
      }
      for (int i = 0; i < warmup; i++) {
        updater.step(slots);
      }
      double[] msPerStep = new double[runs];
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          updater.step(slots);
        }
        msPerStep[r] = (System.nanoTime() - t0) / 1e6 / steps;
      }
      double[] sorted = msPerStep.clone();
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "%-14s median %.2f ms/step  min %.2f  (runs: %s)%n",
          label,
          sorted[runs / 2],
          sorted[0],
          Arrays.toString(
              Arrays.stream(msPerStep).map(v -> Math.round(v * 100) / 100.0).toArray()));
    }
  }
}
