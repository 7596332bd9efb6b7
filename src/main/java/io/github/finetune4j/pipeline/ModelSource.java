package io.github.finetune4j.pipeline;

/**
 * Where the pre-trained network comes from: one class per kind of {@code model.type}, registered in
 * {@link ModelSources}. A source says what its block reads ({@link #inputKind()}); the pipeline
 * refuses data splits of another kind before anything is loaded. The families: {@link
 * TextEncoderSource} (BERT-family encoders of token ids) and {@link FeatureModelSource} (modules of
 * feature vectors).
 */
interface ModelSource {

  /**
   * What is loaded, for the progress line (e.g. {@code bert-onnx all-minilm-l6-v2}).
   *
   * @return a short description
   */
  String describe();

  /**
   * The family that reads this source's data, builds its block and writes its export.
   *
   * @return the family
   */
  ModelFamily<?> family();

  /**
   * What the source's block reads.
   *
   * @return the input kind
   */
  InputKind inputKind();
}
