package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-label classification: softmax cross-entropy on logits {@code [batch, classes]} against
 * int64 class indexes; metrics {@code accuracy}, {@code macro_f1}, and per class {@code
 * precision/NAME}, {@code recall/NAME}, {@code f1/NAME}, with the confusion matrix. A class that is
 * never predicted has precision 0, one that never occurs has recall 0 (scikit-learn's {@code
 * zero_division=0}).
 */
public final class ClassificationTask implements Task {

  private final List<String> classes;
  private final Loss loss = Loss.softmaxCrossEntropyLoss();

  /**
   * Creates the task.
   *
   * @param classes the class names, by index
   */
  public ClassificationTask(List<String> classes) {
    if (classes.size() < 2) {
      throw new IllegalArgumentException(
          "a classification needs at least 2 classes, got " + classes);
    }
    this.classes = List.copyOf(classes);
  }

  /**
   * The class names.
   *
   * @return by index
   */
  public List<String> classes() {
    return classes;
  }

  @Override
  public List<String> metricNames() {
    List<String> names = new ArrayList<>(List.of("accuracy", "macro_f1"));
    for (String c : classes) {
      names.addAll(List.of("precision/" + c, "recall/" + c, "f1/" + c));
    }
    return names;
  }

  /** The headline: accuracy (higher is better). */
  @Override
  public Headline headline() {
    return new Headline("accuracy", true);
  }

  /** The classes, in output order. */
  @Override
  public List<String> outputs() {
    return classes();
  }

  /** The accuracy, at the top of {@code summary.json} as {@code test_accuracy}. */
  @Override
  public List<String> summaryMetrics() {
    return List.of("accuracy");
  }

  @Override
  public String name() {
    return "classification";
  }

  @Override
  public NDArray loss(NDArray outputs, NDArray targets) {
    return loss.evaluate(new NDList(targets), new NDList(outputs));
  }

  @Override
  public Accumulator accumulator() {
    return new Accumulator() {
      private final long[][] confusion = new long[classes.size()][classes.size()];

      @Override
      public void add(NDArray outputs, NDArray targets) {
        long[] predicted = outputs.argMax(1).toLongArray();
        long[] truth = targets.toType(DataType.INT64, false).toLongArray();
        for (int i = 0; i < truth.length; i++) {
          confusion[(int) truth[i]][(int) predicted[i]]++;
        }
      }

      @Override
      public Evaluation result() {
        return evaluation(classes, confusion);
      }

      @Override
      public double[] snapshot() {
        int k = classes.size();
        double[] out = new double[k * k];
        for (int t = 0; t < k; t++) {
          for (int q = 0; q < k; q++) {
            out[t * k + q] = confusion[t][q];
          }
        }
        return out;
      }

      @Override
      public void restore(double[] state) {
        int k = classes.size();
        for (int t = 0; t < k; t++) {
          for (int q = 0; q < k; q++) {
            confusion[t][q] = (long) state[t * k + q];
          }
        }
      }
    };
  }

  /**
   * The metrics of a confusion matrix.
   *
   * @param classes class names
   * @param confusion {@code confusion[true][predicted]}
   * @return accuracy, macro F1, per-class precision / recall / F1, and the matrix
   */
  static Evaluation evaluation(List<String> classes, long[][] confusion) {
    int k = classes.size();
    long total = 0;
    long correct = 0;
    long[] actual = new long[k];
    long[] predicted = new long[k];
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        total += confusion[t][p];
        actual[t] += confusion[t][p];
        predicted[p] += confusion[t][p];
      }
      correct += confusion[t][t];
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("accuracy", total == 0 ? Double.NaN : (double) correct / total);
    double f1Sum = 0;
    Map<String, Double> perClass = new LinkedHashMap<>();
    for (int c = 0; c < k; c++) {
      double precision = predicted[c] == 0 ? 0.0 : (double) confusion[c][c] / predicted[c];
      double recall = actual[c] == 0 ? 0.0 : (double) confusion[c][c] / actual[c];
      double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
      f1Sum += f1;
      perClass.put("precision/" + classes.get(c), precision);
      perClass.put("recall/" + classes.get(c), recall);
      perClass.put("f1/" + classes.get(c), f1);
    }
    m.put("macro_f1", total == 0 ? Double.NaN : f1Sum / k);
    if (total > 0) {
      m.putAll(perClass);
    }
    long[][] copy = new long[k][];
    for (int t = 0; t < k; t++) {
      copy[t] = confusion[t].clone();
    }
    return new Evaluation(m, classes, copy);
  }
}
