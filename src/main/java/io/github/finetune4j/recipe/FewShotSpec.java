package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Few-shot training in the SetFit manner: before the recipe's stages, the text encoder is tuned on
 * pairs of the labelled training examples (two of one class: similar; of two classes: not), then
 * the stages train as usual (SetFit's second step: the head on the tuned encoder).
 *
 * @param pairsPerExample iterations of SetFit's pair generation: each gives every labelled example
 *     one similar and one dissimilar pair
 * @param loss the pair loss: {@code cosine}, {@code contrastive}, {@code online_contrastive} or
 *     {@code cosent}
 * @param epochs epochs over the pairs
 * @param lr the encoder's learning rate in the pair phase
 * @param batchSize pairs per batch
 */
@Doc(
    "Few-shot training in the SetFit manner (docs/embeddings.md): before the recipe's stages, the"
        + " encoder is tuned on pairs drawn from the labelled training examples (two of one class"
        + " labelled 1, of two classes 0), AdamW with weight decay 0.01 (none on biases and"
        + " LayerNorm), a 10% linear warm-up then linear decay, the head untouched; then the"
        + " stages run as usual (SetFit's second step: the head on the tuned encoder). A resumed"
        + " run skips it: its checkpoint holds the tuned encoder. Text encoders and text-jsonl"
        + " training data only; at least two classes need two or more examples.")
public record FewShotSpec(
    @Doc(
            "Iterations of SetFit's pair generation (default 20, its `num_iterations`): each gives"
                + " every labelled example one pair with an example of its class (drawn at random,"
                + " possibly itself) and one with an example of another class, so 2 × this ×"
                + " examples pairs in all.")
        Integer pairsPerExample,
    @OneOf({"cosine", "contrastive", "online_contrastive", "cosent"})
        @Doc(
            "`cosine` (default; CosineSimilarityLoss, SetFit's: the squared difference of the"
                + " pair's cosine and its 0/1 label), `contrastive`, `online_contrastive` (margin"
                + " 0.5) or `cosent` (scale 20); definitions in docs/embeddings.md.")
        String loss,
    @Doc("Epochs over the pairs (default 1).") Integer epochs,
    @Doc("The encoder's learning rate in the pair phase (default 2.0e-5).") Double lr,
    @Doc("Pairs per batch (default 16; each batch is one forward pass over twice as many texts).")
        Integer batchSize) {

  /** Applies defaults. */
  public FewShotSpec {
    pairsPerExample = pairsPerExample == null ? 20 : pairsPerExample;
    loss = loss == null ? "cosine" : loss;
    epochs = epochs == null ? 1 : epochs;
    lr = lr == null ? 2.0e-5 : lr;
    batchSize = batchSize == null ? 16 : batchSize;
  }

  /**
   * Adds the problems of these fields, each with its recipe path.
   *
   * @param path where the section is, e.g. {@code task.few_shot}
   * @param problems where each problem is added
   */
  void check(String path, List<String> problems) {
    if (pairsPerExample < 1 || pairsPerExample > 10_000) {
      problems.add(path + ".pairs_per_example: must be 1 to 10000, got " + pairsPerExample);
    }
    if (epochs < 1 || epochs > 1000) {
      problems.add(path + ".epochs: must be 1 to 1000, got " + epochs);
    }
    if (!(lr > 0) || lr.isInfinite()) {
      problems.add(path + ".lr: must be a positive number, got " + lr);
    }
    if (batchSize < 1) {
      problems.add(path + ".batch_size: must be at least 1, got " + batchSize);
    }
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: every field optional. */
  public static final class Builder {
    private Integer pairsPerExample;
    private String loss;
    private Integer epochs;
    private Double lr;
    private Integer batchSize;

    private Builder() {}

    /**
     * Sets the iterations of pair generation (default 20).
     *
     * @param pairsPerExample at least 1
     * @return this builder
     */
    public Builder optPairsPerExample(int pairsPerExample) {
      this.pairsPerExample = pairsPerExample;
      return this;
    }

    /**
     * Sets the pair loss (default {@code cosine}).
     *
     * @param loss its name
     * @return this builder
     */
    public Builder optLoss(String loss) {
      this.loss = loss;
      return this;
    }

    /**
     * Sets the epochs over the pairs (default 1).
     *
     * @param epochs at least 1
     * @return this builder
     */
    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /**
     * Sets the encoder's learning rate in the pair phase (default 2e-5).
     *
     * @param lr positive
     * @return this builder
     */
    public Builder optLr(double lr) {
      this.lr = lr;
      return this;
    }

    /**
     * Sets the pairs per batch (default 16).
     *
     * @param batchSize at least 1
     * @return this builder
     */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Builds the value.
     *
     * @return the FewShotSpec
     */
    public FewShotSpec build() {
      return new FewShotSpec(pairsPerExample, loss, epochs, lr, batchSize);
    }
  }
}
