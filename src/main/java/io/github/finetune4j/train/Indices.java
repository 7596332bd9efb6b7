package io.github.finetune4j.train;

import java.util.Random;

/** Example indices: a range, a slice of an order, a seeded shuffle (the data order of an epoch). */
final class Indices {

  private Indices() {}

  /** {@code 0 .. n-1} in an order drawn from {@code rng} (Fisher–Yates, from the end). */
  static int[] shuffled(int n, Random rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** {@code from .. to-1}. */
  static int[] range(int from, int to) {
    int[] out = new int[to - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }

  /** Up to {@code len} entries of {@code a} from {@code from} (fewer at its end). */
  static int[] slice(int[] a, int from, int len) {
    int to = Math.min(a.length, from + len);
    int[] out = new int[to - from];
    System.arraycopy(a, from, out, 0, out.length);
    return out;
  }
}
