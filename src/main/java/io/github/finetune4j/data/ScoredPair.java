package io.github.finetune4j.data;

import java.util.Objects;

/**
 * Two texts and how similar they are, as a number: a gold similarity (STS 0 to 5, a cosine -1 to 1,
 * a 0/1 label). Any finite number is taken; the loss that uses it says how it is scaled.
 *
 * @param a the first text (not blank)
 * @param b the second text (not blank)
 * @param score the similarity (finite)
 */
public record ScoredPair(String a, String b, double score) {

  /**
   * Checks the texts and the score.
   *
   * @throws IllegalArgumentException when a text is null or blank, or the score is not finite
   */
  public ScoredPair {
    if (Objects.requireNonNull(a, "a").isBlank() || Objects.requireNonNull(b, "b").isBlank()) {
      throw new IllegalArgumentException("a text of the pair is empty or only whitespace");
    }
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException("the score must be a finite number, got " + score);
    }
  }
}
