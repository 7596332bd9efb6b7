package io.github.finetune4j.recipe;

import java.util.List;

/**
 * An embedding model (sentence-transformers' bi-encoder): a text encoder with pooling and no head,
 * trained so that related texts get similar vectors, and evaluated by retrieval metrics.
 *
 * @param loss the loss, by name
 * @param scale the cosine similarities' scale ({@code mnrl}, {@code mnrl_symmetric}, {@code
 *     cosent})
 * @param margin the margin of {@code contrastive} and {@code online_contrastive}
 * @param normalize whether the model's embeddings are L2-normalized in its outputs
 * @param metrics the retrieval metrics reported on a retrieval split
 * @param compareBase whether the untouched model is evaluated too
 */
@Kind("embedding")
@Doc(
    "An embedding model (a bi-encoder, as sentence-transformers trains one): the text encoder with"
        + " its pooling (`head.pooling`) and no classifier, trained on pairs (`data.train.type:"
        + " pairs`, with an optional hard `negative`) or scored pairs (`scored-pairs`), evaluated"
        + " on an information-retrieval split (`type: ir`: NDCG@10, MRR@10, Recall@1/@10, MAP@100 by"
        + " exact cosine search) or on pairs (each anchor's positive is its one relevant text among"
        + " the split's positives) or scored pairs (Spearman). The untouched model is evaluated on"
        + " the same splits before training and shown beside the tuned one. No `head.classes`.")
public record EmbeddingTaskSpec(
    @OneOf({"mnrl", "mnrl_symmetric", "cosent", "contrastive", "online_contrastive"})
        @Doc(
            "`mnrl` (default; MultipleNegativesRankingLoss: in-batch negatives, plus the hard"
                + " negatives of triplets), `mnrl_symmetric` (also positive to anchor; pairs"
                + " only), `cosent` (scored pairs), `contrastive` and `online_contrastive` (scored"
                + " pairs whose scores are 0 or 1). Definitions: docs/embeddings.md.")
        String loss,
    @Doc("Scale of the cosine similarities of mnrl, mnrl_symmetric and cosent (default 20).")
        Double scale,
    @Doc("Margin of contrastive and online_contrastive, in cosine distance (default 0.5).")
        Double margin,
    @Doc(
            "L2-normalize the embeddings the model outputs (default true): what `finetune embed`"
                + " prints and the exports compute. Training and evaluation use cosine similarity"
                + " either way.")
        Boolean normalize,
    @Doc(
            "Retrieval metrics, each KIND@K with KIND one of ndcg, mrr, recall, precision, map,"
                + " accuracy (default ndcg@10, mrr@10, recall@1, recall@10, map@100); the first is"
                + " the headline.")
        List<String> metrics,
    @Doc(
            "Evaluate the untouched model on the validation and test splits before training and"
                + " report it beside the tuned one (default true).")
        Boolean compareBase)
    implements TaskSpec {

  /** The default retrieval metrics. */
  public static final List<String> DEFAULT_METRICS =
      List.of("ndcg@10", "mrr@10", "recall@1", "recall@10", "map@100");

  /** Applies defaults. */
  public EmbeddingTaskSpec {
    loss = loss == null ? "mnrl" : loss;
    scale = scale == null ? 20.0 : scale;
    margin = margin == null ? 0.5 : margin;
    normalize = normalize == null ? Boolean.TRUE : normalize;
    metrics = metrics == null ? DEFAULT_METRICS : List.copyOf(metrics);
    compareBase = compareBase == null ? Boolean.TRUE : compareBase;
  }

  /** Reads {@link LabelShape#PAIRS}. */
  @Override
  public LabelShape labels() {
    return LabelShape.PAIRS;
  }

  /**
   * The data shape the loss trains on: {@code pairs} for mnrl and mnrl_symmetric, {@code
   * scored-pairs} for the others.
   *
   * @return the split type
   */
  public String trainSplitType() {
    return loss.startsWith("mnrl") ? "pairs" : "scored-pairs";
  }

  /**
   * The scale and margin are positive; the metrics parse; the training split is the loss's data
   * shape; evaluation splits are pairs, scored pairs or retrieval splits, both scored the same way
   * (Spearman for scored pairs, retrieval metrics for the others).
   */
  @Override
  public void check(List<String> classes, DataSpec data, List<String> problems) {
    if (!(scale > 0) || scale.isInfinite()) {
      problems.add("task.scale: must be a positive number, got " + scale);
    }
    if (!(margin > 0) || margin.isInfinite()) {
      problems.add("task.margin: must be a positive number, got " + margin);
    }
    if (metrics.isEmpty()) {
      problems.add("task.metrics: name at least one, e.g. ndcg@10");
    }
    if (new java.util.HashSet<>(metrics).size() != metrics.size()) {
      problems.add("task.metrics: lists a metric twice: " + metrics);
    }
    for (int i = 0; i < metrics.size(); i++) {
      String m = metrics.get(i);
      int at = m == null ? -1 : m.indexOf('@');
      String kind = at < 0 ? "" : m.substring(0, at);
      boolean ok =
          List.of("ndcg", "mrr", "recall", "precision", "map", "accuracy").contains(kind)
              && m.substring(at + 1).matches("[1-9][0-9]{0,4}");
      if (!ok) {
        problems.add(
            "task.metrics["
                + i
                + "]: a retrieval metric is KIND@K with KIND one of ndcg, mrr, recall, precision,"
                + " map, accuracy and K from 1, got '"
                + m
                + "'");
      }
    }
    if (data == null) {
      return;
    }
    String want = trainSplitType();
    if (data.train() != null && !data.train().kind().equals(want)) {
      problems.add(
          "data.train.type: task.loss '"
              + loss
              + "' trains on "
              + ("pairs".equals(want)
                  ? "(anchor, positive) pairs: type: pairs"
                  : "scored pairs (a, b, score): type: scored-pairs")
              + ", got '"
              + data.train().kind()
              + "'"
              + ("pairs".equals(want)
                  ? " (for scored pairs use loss: cosent, contrastive or online_contrastive)"
                  : " (for pairs use loss: mnrl)"));
    }
    if (data.train() instanceof PairsSplit p && p.negative() != null && !"mnrl".equals(loss)) {
      problems.add(
          "data.train.negative: hard negatives are used by loss mnrl only, not '" + loss + "'");
    }
    String[] names = {"data.valid", "data.test"};
    SourceSpec[] splits = {data.valid(), data.test()};
    for (int i = 0; i < 2; i++) {
      SourceSpec s = splits[i];
      if (s != null
          && !(s instanceof PairsSplit
              || s instanceof ScoredPairsSplit
              || s instanceof IrSplitSpec)) {
        problems.add(
            names[i]
                + ".type: an embedding task is evaluated on an information-retrieval split (ir),"
                + " pairs or scored-pairs, got '"
                + s.kind()
                + "'");
      }
    }
    // one set of metric names (and one headline) serves both splits: Spearman or retrieval
    SourceSpec valid = data.valid();
    SourceSpec test = data.test();
    boolean validRetrieval = valid instanceof PairsSplit || valid instanceof IrSplitSpec;
    boolean testRetrieval = test instanceof PairsSplit || test instanceof IrSplitSpec;
    if ((valid instanceof ScoredPairsSplit && testRetrieval)
        || (validRetrieval && test instanceof ScoredPairsSplit)) {
      problems.add(
          "data.test.type: '"
              + test.kind()
              + "' is scored by "
              + (testRetrieval ? "retrieval metrics" : "Spearman")
              + " but data.valid ('"
              + valid.kind()
              + "') by "
              + (validRetrieval ? "retrieval metrics" : "Spearman")
              + "; a run reports one headline metric for both, so make both scored-pairs or"
              + " neither");
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
    private String loss;
    private Double scale;
    private Double margin;
    private Boolean normalize;
    private List<String> metrics;
    private Boolean compareBase;

    private Builder() {}

    /**
     * Sets the loss.
     *
     * @param loss its name
     * @return this builder
     */
    public Builder optLoss(String loss) {
      this.loss = loss;
      return this;
    }

    /**
     * Sets the similarity scale.
     *
     * @param scale positive
     * @return this builder
     */
    public Builder optScale(double scale) {
      this.scale = scale;
      return this;
    }

    /**
     * Sets the contrastive margin.
     *
     * @param margin positive
     * @return this builder
     */
    public Builder optMargin(double margin) {
      this.margin = margin;
      return this;
    }

    /**
     * Sets whether the outputs are L2-normalized.
     *
     * @param normalize the choice
     * @return this builder
     */
    public Builder optNormalize(boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /**
     * Sets the retrieval metrics.
     *
     * @param metrics KIND@K names
     * @return this builder
     */
    public Builder optMetrics(List<String> metrics) {
      this.metrics = metrics;
      return this;
    }

    /**
     * Sets whether the untouched model is evaluated too.
     *
     * @param compareBase the choice
     * @return this builder
     */
    public Builder optCompareBase(boolean compareBase) {
      this.compareBase = compareBase;
      return this;
    }

    /**
     * Builds the task.
     *
     * @return it
     */
    public EmbeddingTaskSpec build() {
      return new EmbeddingTaskSpec(loss, scale, margin, normalize, metrics, compareBase);
    }
  }
}
