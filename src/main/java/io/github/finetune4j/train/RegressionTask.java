package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Regression on one or more float targets: outputs and targets are {@code [batch, outputs]} (or
 * {@code [batch]} for one). Loss {@code mse} (torch's {@code MSELoss}: mean of squared errors) or
 * {@code huber} (torch's {@code HuberLoss}: {@code 0.5 e²} where {@code |e| < δ}, else {@code δ
 * (|e| − 0.5 δ)}, mean); metrics {@code mae}, {@code rmse} and {@code r2} (coefficient of
 * determination), each averaged over outputs as scikit-learn's {@code uniform_average} does, and
 * per output {@code mae/NAME}, {@code rmse/NAME}, {@code r2/NAME} when there are several.
 */
public final class RegressionTask implements Task {

  private final List<String> targets;
  private final String loss;
  private final double delta;

  /**
   * Creates the task.
   *
   * @param targets the target names, by output index (at least one)
   * @param loss {@code mse} or {@code huber}
   * @param delta Huber's δ (positive; ignored for mse)
   */
  public RegressionTask(List<String> targets, String loss, double delta) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("a regression needs at least one target");
    }
    if (!loss.equals("mse") && !loss.equals("huber")) {
      throw new IllegalArgumentException("loss must be mse or huber, got " + loss);
    }
    if (!(delta > 0)) {
      throw new IllegalArgumentException("delta must be positive, got " + delta);
    }
    this.targets = List.copyOf(targets);
    this.loss = loss;
    this.delta = delta;
  }

  /**
   * The target names.
   *
   * @return by output index
   */
  public List<String> targets() {
    return targets;
  }

  @Override
  public List<String> metricNames() {
    List<String> names = new ArrayList<>(List.of("mae", "rmse", "r2"));
    if (targets.size() > 1) {
      for (String t : targets) {
        names.addAll(List.of("mae/" + t, "rmse/" + t, "r2/" + t));
      }
    }
    return names;
  }

  /** The headline: rmse (lower is better). */
  @Override
  public Headline headline() {
    return new Headline("rmse", false);
  }

  /** The targets, in output order. */
  @Override
  public List<String> outputs() {
    return targets();
  }

  @Override
  public String name() {
    return "regression";
  }

  @Override
  public NDArray loss(NDArray outputs, NDArray targetValues) {
    NDArray e =
        outputs.sub(targetValues.toType(outputs.getDataType(), false).reshape(outputs.getShape()));
    if (loss.equals("mse")) {
      return e.square().mean();
    }
    // Engine-owned scalars, never DJL's mul(Number) on an array that needs gradients: autograd
    // keeps the scalar for the backward pass, and DJL's Number scalar lives in a Java buffer that
    // a garbage collection may free first (the gradient-corruption bug, docs/decisions.md).
    NDArray abs = e.abs();
    NDArray quadratic = e.square().mul(scalar(e, 0.5f));
    NDArray linear = abs.sub(scalar(e, (float) (0.5 * delta))).mul(scalar(e, (float) delta));
    return NDArrays.where(abs.lt(scalar(e, (float) delta)), quadratic, linear).mean();
  }

  private static NDArray scalar(NDArray like, float value) {
    return like.getManager().full(new Shape(), value, like.getDataType(), like.getDevice());
  }

  @Override
  public Accumulator accumulator() {
    int k = targets.size();
    return new Accumulator() {
      private long n;
      private final double[] absSum = new double[k];
      private final double[] sqSum = new double[k];
      private final long[] count = new long[k];
      private final float[] predicted = new float[Evaluation.MAX_POINTS];
      private final float[] actual = new float[Evaluation.MAX_POINTS];
      private int points;
      private final double[] yMean = new double[k]; // Welford: no cancellation in sum(y - mean)^2
      private final double[] yM2 = new double[k];

      @Override
      public void add(NDArray outputs, NDArray targetValues) {
        float[] p = outputs.toType(DataType.FLOAT32, false).toFloatArray();
        float[] y = targetValues.toType(DataType.FLOAT32, false).toFloatArray();
        if (p.length != y.length || p.length % k != 0) {
          throw new IllegalArgumentException(
              "outputs "
                  + outputs.getShape()
                  + " do not match targets "
                  + targetValues.getShape()
                  + " for "
                  + k
                  + " target(s)");
        }
        for (int i = 0; i < p.length; i += k) {
          if (points < Evaluation.MAX_POINTS) { // the first output, for a residual plot
            predicted[points] = p[i];
            actual[points++] = y[i];
          }
        }
        for (int i = 0; i < p.length; i++) {
          int j = i % k;
          double e = (double) p[i] - y[i];
          absSum[j] += Math.abs(e);
          sqSum[j] += e * e;
          count[j]++;
          double d = y[i] - yMean[j];
          yMean[j] += d / count[j];
          yM2[j] += d * (y[i] - yMean[j]);
        }
        n += p.length / k;
      }

      @Override
      public double[] snapshot() {
        double[] out = new double[2 + 5 * k + 2 * points];
        int i = 0;
        out[i++] = n;
        out[i++] = points;
        for (double[] a : new double[][] {absSum, sqSum, yMean, yM2}) {
          for (double v : a) {
            out[i++] = v;
          }
        }
        for (long c : count) {
          out[i++] = c;
        }
        for (int j = 0; j < points; j++) {
          out[i++] = predicted[j];
          out[i++] = actual[j];
        }
        return out;
      }

      @Override
      public void restore(double[] state) {
        int i = 0;
        n = (long) state[i++];
        points = (int) state[i++];
        for (double[] a : new double[][] {absSum, sqSum, yMean, yM2}) {
          for (int j = 0; j < k; j++) {
            a[j] = state[i++];
          }
        }
        for (int j = 0; j < k; j++) {
          count[j] = (long) state[i++];
        }
        for (int j = 0; j < points; j++) {
          predicted[j] = (float) state[i++];
          actual[j] = (float) state[i++];
        }
      }

      @Override
      public Evaluation result() {
        Map<String, Double> m = new LinkedHashMap<>();
        Map<String, Double> each = new LinkedHashMap<>();
        double mae = 0;
        double rmse = 0;
        double r2 = 0;
        for (int j = 0; j < k; j++) {
          double maeJ = absSum[j] / n;
          double mseJ = sqSum[j] / n;
          double ssTot = yM2[j];
          // scikit-learn: a constant target gives r2 = 1 for a perfect fit, else 0
          double r2J = ssTot > 0 ? 1 - sqSum[j] / ssTot : (sqSum[j] == 0 ? 1.0 : 0.0);
          mae += maeJ / k;
          rmse += Math.sqrt(mseJ) / k;
          r2 += r2J / k;
          each.put("mae/" + targets.get(j), maeJ);
          each.put("rmse/" + targets.get(j), Math.sqrt(mseJ));
          each.put("r2/" + targets.get(j), r2J);
        }
        m.put("mae", n == 0 ? Double.NaN : mae);
        m.put("rmse", n == 0 ? Double.NaN : rmse);
        m.put("r2", n == 0 ? Double.NaN : r2);
        if (k > 1 && n > 0) {
          m.putAll(each);
        }
        return new Evaluation(
            m, List.of(), null, Arrays.copyOf(predicted, points), Arrays.copyOf(actual, points));
      }
    };
  }
}
