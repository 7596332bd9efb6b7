package io.github.finetune4j.examples;

import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.DataSpec;
import io.github.finetune4j.recipe.DiscriminativeSpec;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.HeadSpec;
import io.github.finetune4j.recipe.MonitorSpec;
import io.github.finetune4j.recipe.OptimizerSpec;
import io.github.finetune4j.recipe.OutputSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.StageSpec;
import io.github.finetune4j.recipe.TextJsonlSplit;
import io.github.finetune4j.recipe.TrainSpec;
import io.github.finetune4j.recipe.WeightDecaySpec;
import java.util.List;

/** recipes/quickstart.yaml, field by field, as a Java pipeline. */
public final class QuickstartInJava {

  private QuickstartInJava() {}

  /**
   * Builds the quickstart recipe.
   *
   * @return a recipe equal to the one read from recipes/quickstart.yaml
   */
  public static Recipe recipe() {
    return Recipe.builder()
        .optDescription(
            "all-MiniLM-L6-v2 -> SpamAssassin spam/ham, 200 training emails, head first then all")
        .setModel(
            BertOnnxModel.builder().optBundled("all-minilm-l6-v2").optInit("pretrained").build())
        .setHead(
            HeadSpec.builder()
                .optReplace("classifier")
                .optClasses("ham", "spam")
                .optPooling("mean")
                .optDropout(0.1)
                .build())
        .setData(
            DataSpec.builder()
                .setTrain(
                    TextJsonlSplit.builder()
                        .setPath("data/spamassassin/train.jsonl.gz")
                        .optText("text")
                        .optLabel("label")
                        .optLimit(200)
                        .build())
                .optValid(
                    TextJsonlSplit.builder()
                        .setPath("data/spamassassin/valid.jsonl.gz")
                        .optLimit(100)
                        .build())
                .optTest(
                    TextJsonlSplit.builder()
                        .setPath("data/spamassassin/test.jsonl.gz")
                        .optLimit(1000)
                        .build())
                .optMaxLength(64)
                .optBatchSize(16)
                .build())
        // bottom -> top; every parameter in exactly one group
        .addGroup(GroupSpec.builder().setName("embeddings").setMatch("embeddings.*").build())
        .addGroup(GroupSpec.builder().setName("lower").setMatch("encoder.layer.[0-2].*").build())
        .addGroup(GroupSpec.builder().setName("upper").setMatch("encoder.layer.[3-5].*").build())
        .addGroup(GroupSpec.builder().setName("head").setMatch("head.*").optLr(2.0e-3).build())
        // linear probe, then everything
        .addStage(StageSpec.builder().setEpochs(1).setTrain("head").build())
        .addStage(
            StageSpec.builder()
                .setEpochs(2)
                .setTrain("embeddings", "lower", "upper", "head")
                .build())
        .setOptimizer(
            OptimizerSpec.builder()
                .optType("adamw")
                .setLr(1.0e-4)
                .optDiscriminative(DiscriminativeSpec.builder().setFactor(2.6).build())
                .optWeightDecay(
                    WeightDecaySpec.builder()
                        .setValue(0.01)
                        .optMode("decoupled")
                        .optExclude("bias", "norm")
                        .build())
                .build())
        .optMonitor(MonitorSpec.builder().optEvery(5).build())
        .optTrain(TrainSpec.builder().optSeed(42).optPrecision("auto").build())
        .setOutput(OutputSpec.builder().setDir("runs/quickstart").build())
        .build();
  }

  /**
   * Validates the recipe, prints its plan and runs it.
   *
   * @param args unused
   * @throws Exception when the recipe is invalid or the run fails
   */
  public static void main(String[] args) throws Exception {
    Recipe recipe = FineTune.validate(recipe());
    System.out.print(FineTune.plan(recipe).toText());
    FineTune.run(recipe, System.out, List.of());
  }
}
