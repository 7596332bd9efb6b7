package io.github.finetune4j.data;

import java.util.List;
import java.util.Objects;

/**
 * A pair of texts that belong together (a question and its answer, a title and its body), with an
 * optional hard negative: a text that looks related to the anchor but does not belong with it. A
 * pair with a negative is a triplet.
 *
 * @param anchor the anchor text (not blank)
 * @param positive the text that belongs with the anchor (not blank)
 * @param negative the hard negative (not blank), or null for a plain pair
 */
public record PairExample(String anchor, String positive, String negative) {

  /**
   * Checks the texts.
   *
   * @throws IllegalArgumentException when the anchor or the positive is null or blank, or the
   *     negative is blank
   */
  public PairExample {
    require(anchor, "anchor");
    require(positive, "positive");
    if (negative != null) {
      require(negative, "negative");
    }
  }

  /**
   * A pair without a hard negative.
   *
   * @param anchor the anchor text (not blank)
   * @param positive the text that belongs with the anchor (not blank)
   */
  public PairExample(String anchor, String positive) {
    this(anchor, positive, null);
  }

  /**
   * Whether the pair has a hard negative (is a triplet).
   *
   * @return true when {@link #negative()} is not null
   */
  public boolean hasNegative() {
    return negative != null;
  }

  /**
   * The texts of the example: the anchor, the positive and, for a triplet, the negative.
   *
   * @return two or three texts
   */
  public List<String> texts() {
    return negative == null ? List.of(anchor, positive) : List.of(anchor, positive, negative);
  }

  private static void require(String text, String what) {
    if (Objects.requireNonNull(text, what).isBlank()) {
      throw new IllegalArgumentException("the " + what + " text is empty or only whitespace");
    }
  }
}
