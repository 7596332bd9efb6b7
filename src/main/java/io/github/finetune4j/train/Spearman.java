package io.github.finetune4j.train;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation, what sentence-transformers' {@code EmbeddingSimilarityEvaluator}
 * reports for scored pairs (the cosine similarities against the gold scores): the Pearson
 * correlation of the two samples' ranks, tied values getting the average of their ranks ({@code
 * scipy.stats.spearmanr}). Pure Java, in double precision.
 */
public final class Spearman {

  private Spearman() {}

  /**
   * The rank correlation of two paired samples.
   *
   * @param x the first sample (e.g. the predicted similarities)
   * @param y the second (e.g. the gold scores), as long as {@code x}
   * @return in [-1, 1]; NaN when either sample is constant (its ranks have no variance), as scipy
   * @throws IllegalArgumentException for samples of different lengths, fewer than 2 values, or a
   *     NaN
   */
  public static double correlation(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "Spearman needs paired samples, got " + x.length + " and " + y.length + " values");
    }
    if (x.length < 2) {
      throw new IllegalArgumentException("Spearman needs at least 2 pairs, got " + x.length);
    }
    double[] rx = ranks(x);
    double[] ry = ranks(y);
    double mx = mean(rx);
    double my = mean(ry);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < rx.length; i++) {
      double dx = rx[i] - mx;
      double dy = ry[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) {
      return Double.NaN;
    }
    double r = sxy / Math.sqrt(sxx * syy);
    return Math.max(-1, Math.min(1, r));
  }

  /**
   * The ranks of a sample, 1 for the smallest, ties getting the mean of the ranks they span ({@code
   * scipy.stats.rankdata(method="average")}).
   *
   * @param v the sample, no NaN
   * @return the ranks, by position in {@code v}
   */
  public static double[] ranks(double[] v) {
    Integer[] order = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      if (Double.isNaN(v[i])) {
        throw new IllegalArgumentException("value " + i + " is NaN: it has no rank");
      }
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
    double[] ranks = new double[v.length];
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1; // mean of the 1-based ranks i+1 .. j+1
      for (int t = i; t <= j; t++) {
        ranks[order[t]] = rank;
      }
      i = j + 1;
    }
    return ranks;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double d : v) {
      s += d;
    }
    return s / v.length;
  }
}
