package io.github.finetune4j.pipeline;

import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.Examples;
import io.github.finetune4j.data.IrDocument;
import io.github.finetune4j.data.IrQuery;
import io.github.finetune4j.data.IrSplit;
import io.github.finetune4j.data.IrSplitSource;
import io.github.finetune4j.data.PairExample;
import io.github.finetune4j.data.PairSource;
import io.github.finetune4j.data.ScoredPair;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.EmbeddingTaskSpec;
import io.github.finetune4j.recipe.IrSplitSpec;
import io.github.finetune4j.recipe.PairsSplit;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.ScoredPairsSplit;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.PairBatches;
import io.github.finetune4j.train.RetrievalBatches;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The splits of an embedding task ({@link EmbeddingTaskSpec}) as the text family reads them: pairs
 * or triplets ({@code pairs}), scored pairs ({@code scored-pairs}) and information-retrieval splits
 * ({@code ir}), checked against the loss and the batch size before anything is loaded, and
 * tokenized into {@link PairBatches} and {@link RetrievalBatches}.
 *
 * @param train the training split
 * @param valid the validation split, or null
 * @param test the test split, or null
 */
record EmbeddingData(Split train, Split valid, Split test) {

  /**
   * Whether the split evaluated each epoch (the validation split, else the test split) is scored
   * pairs, whose metric is Spearman's correlation rather than retrieval metrics.
   *
   * @return true for scored pairs
   */
  boolean scoredEvaluation() {
    return (valid != null ? valid : test) instanceof Scored;
  }

  /** One split as read. */
  sealed interface Split permits Pairs, Scored, Retrieval {
    /**
     * Its examples (pairs), or its queries and documents (a retrieval split).
     *
     * @return the count
     */
    int size();
  }

  /**
   * Pairs or triplets.
   *
   * @param examples the examples
   */
  record Pairs(List<PairExample> examples) implements Split {
    @Override
    public int size() {
      return examples.size();
    }
  }

  /**
   * Scored pairs.
   *
   * @param examples the examples
   */
  record Scored(List<ScoredPair> examples) implements Split {
    @Override
    public int size() {
      return examples.size();
    }
  }

  /**
   * An information-retrieval split.
   *
   * @param split the queries, corpus and judgements
   */
  record Retrieval(IrSplit split) implements Split {
    @Override
    public int size() {
      return split.queries().size() + split.corpus().size();
    }
  }

  /**
   * Reads and checks the splits of an embedding recipe.
   *
   * @param recipe the recipe (its task is an {@link EmbeddingTaskSpec})
   * @param out where notes (invalid UTF-8, dropped queries) go
   * @return the splits
   * @throws BadInputException naming the file, line or id of every problem
   */
  static EmbeddingData read(Recipe recipe, PrintStream out) throws BadInputException {
    EmbeddingTaskSpec task = (EmbeddingTaskSpec) recipe.task();
    List<String> problems = new ArrayList<>();
    if (task.trainSplitType().equals("pairs") && recipe.data().batchSize() < 2) {
      problems.add(
          "data.batch_size: "
              + task.loss()
              + " uses the other pairs of a batch as negatives, so a batch needs at least 2"
              + " pairs; got "
              + recipe.data().batchSize());
    }
    Split train = read("data.train", recipe.data().train(), task, out, problems);
    Split valid = read("data.valid", recipe.data().valid(), task, out, problems);
    Split test = read("data.test", recipe.data().test(), task, out, problems);
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    return new EmbeddingData(train, valid, test);
  }

  private static Split read(
      String path,
      SourceSpec spec,
      EmbeddingTaskSpec task,
      PrintStream out,
      List<String> problems) {
    if (spec == null) {
      return null;
    }
    try {
      if (spec instanceof PairsSplit p) {
        PairSource.Builder b =
            PairSource.builder()
                .setPath(Path.of(p.path()))
                .optAnchorField(p.anchor())
                .optPositiveField(p.positive());
        if (p.negative() != null) {
          b.optNegativeField(p.negative());
        }
        if (p.limit() != null) {
          b.optLimit(p.limit());
        }
        PairSource source = b.build();
        Examples<PairExample> ex =
            p.negative() != null ? source.readTriplets() : source.readPairs();
        note(out, path, p.path(), ex.invalidUtf8Lines(), ex.firstInvalidUtf8Line());
        if (ex.items().isEmpty()) {
          problems.add(path + ": " + p.path() + " holds no pairs");
        }
        return new Pairs(ex.items());
      }
      if (spec instanceof ScoredPairsSplit s) {
        PairSource.Builder b =
            PairSource.builder()
                .setPath(Path.of(s.path()))
                .optScoredFields(s.a(), s.b(), s.score());
        if (s.limit() != null) {
          b.optLimit(s.limit());
        }
        Examples<ScoredPair> ex = b.build().readScoredPairs();
        note(out, path, s.path(), ex.invalidUtf8Lines(), ex.firstInvalidUtf8Line());
        if (ex.items().isEmpty()) {
          problems.add(path + ": " + s.path() + " holds no scored pairs");
        }
        if (task.loss().contains("contrastive")) {
          for (int i = 0; i < ex.items().size(); i++) {
            double y = ex.items().get(i).score();
            if (y != 0 && y != 1) {
              problems.add(
                  path
                      + ": "
                      + s.path()
                      + ": pair "
                      + (i + 1)
                      + " has the score "
                      + y
                      + "; loss "
                      + task.loss()
                      + " takes 1 (similar) or 0 (dissimilar); for graded scores use cosent");
              break;
            }
          }
        }
        return new Scored(ex.items());
      }
      IrSplitSpec ir = (IrSplitSpec) spec;
      IrSplit split =
          IrSplitSource.builder()
              .setQueries(ir.file(ir.queries()))
              .setCorpus(ir.file(ir.corpus()))
              .setQrels(ir.file(ir.qrels()))
              .optDropQueriesWithoutRelevant(ir.dropQueriesWithoutRelevant())
              .build()
              .read();
      split.warnings().forEach(w -> out.println("Note: " + path + ": " + w));
      if (ir.limit() != null && ir.limit() < split.queries().size()) {
        List<IrQuery> kept = split.queries().subList(0, ir.limit());
        Map<String, Map<String, Integer>> rel = new java.util.LinkedHashMap<>();
        for (IrQuery q : kept) {
          rel.put(q.id(), split.relevant().get(q.id()));
        }
        split =
            new IrSplit(
                kept,
                split.corpus(),
                rel,
                split.queriesDropped(),
                split.judgementsNotRelevant(),
                split.warnings());
      }
      if (ir.corpusLimit() != null) {
        Set<String> keep = new java.util.HashSet<>();
        split.relevant().values().forEach(r -> keep.addAll(r.keySet()));
        int others = ir.corpusLimit();
        List<IrDocument> docs = new ArrayList<>();
        for (IrDocument d : split.corpus()) {
          if (keep.contains(d.id()) || others-- > 0) {
            docs.add(d);
          }
        }
        split =
            new IrSplit(
                split.queries(),
                docs,
                split.relevant(),
                split.queriesDropped(),
                split.judgementsNotRelevant(),
                split.warnings());
      }
      if (split.queries().isEmpty()) {
        problems.add(path + ": " + ir.path() + " holds no query with a relevant document");
      }
      return new Retrieval(split);
    } catch (DataException e) {
      e.problems().forEach(p -> problems.add(path + ": " + p));
      return null;
    }
  }

  private static void note(PrintStream out, String path, String file, int lines, long first) {
    if (lines > 0) {
      out.printf(
          Locale.ROOT,
          "Warning: %s: %d line%s of %s %s not valid UTF-8 (first: line %d);"
              + " the invalid bytes were replaced by U+FFFD%n",
          path,
          lines,
          lines == 1 ? "" : "s",
          file,
          lines == 1 ? "is" : "are",
          first);
    }
  }

  /**
   * The examples counted for the progress line: pairs, or queries plus documents.
   *
   * @param split a split, or null
   * @return its size, 0 for none
   */
  static int size(Split split) {
    return split == null ? 0 : split.size();
  }

  /**
   * A split tokenized for the loop.
   *
   * @param tokenizer the model's tokenizer (truncates to data.max_length)
   * @param split the split, or null
   * @return the batches, or null for no split
   */
  static Batches batches(TextTokenizer tokenizer, Split split) {
    if (split == null) {
      return null;
    }
    Map<String, Integer> textIds = new HashMap<>();
    Map<String, long[]> cache = new HashMap<>();
    if (split instanceof Pairs p) {
      int k = p.examples().stream().anyMatch(PairExample::hasNegative) ? 3 : 2;
      long[][][] ids = new long[k][p.size()][];
      int[][] tid = new int[k][p.size()];
      for (int i = 0; i < p.size(); i++) {
        List<String> texts = p.examples().get(i).texts();
        for (int c = 0; c < k; c++) {
          String t = texts.get(c);
          ids[c][i] = cache.computeIfAbsent(t, tokenizer::ids);
          tid[c][i] = textIds.computeIfAbsent(t, x -> textIds.size());
        }
      }
      return new PairBatches(ids, tid, null);
    }
    if (split instanceof Scored s) {
      long[][][] ids = new long[2][s.size()][];
      int[][] tid = new int[2][s.size()];
      float[] scores = new float[s.size()];
      for (int i = 0; i < s.size(); i++) {
        ScoredPair e = s.examples().get(i);
        String[] texts = {e.a(), e.b()};
        for (int c = 0; c < 2; c++) {
          ids[c][i] = cache.computeIfAbsent(texts[c], tokenizer::ids);
          tid[c][i] = textIds.computeIfAbsent(texts[c], x -> textIds.size());
        }
        scores[i] = (float) e.score();
      }
      return new PairBatches(ids, tid, scores);
    }
    IrSplit ir = ((Retrieval) split).split();
    int q = ir.queries().size();
    long[][] ids = new long[q + ir.corpus().size()][];
    for (int i = 0; i < q; i++) {
      ids[i] = tokenizer.ids(ir.queries().get(i).text());
    }
    Map<String, Integer> docIndex = new HashMap<>();
    for (int d = 0; d < ir.corpus().size(); d++) {
      IrDocument doc = ir.corpus().get(d);
      ids[q + d] = tokenizer.ids(doc.content()); // title + " " + text, as BEIR joins them
      docIndex.put(doc.id(), d);
    }
    List<Set<Integer>> relevant = new ArrayList<>();
    for (IrQuery query : ir.queries()) {
      Set<Integer> r = new LinkedHashSet<>();
      ir.relevant().get(query.id()).keySet().forEach(id -> r.add(docIndex.get(id)));
      relevant.add(r);
    }
    return new RetrievalBatches(ids, q, relevant);
  }
}
