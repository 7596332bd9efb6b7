package io.github.finetune4j.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An information-retrieval split, checked: every query has one or more relevant documents, every
 * judgement names a known query and document.
 *
 * @param queries the queries evaluated, in the order of their file (unmodifiable)
 * @param corpus the documents searched, in the order of their file (unmodifiable)
 * @param relevant for each query id (in the order of {@code queries}), its relevant documents' ids
 *     and their relevance (above 0), in the order of the qrels file (unmodifiable)
 * @param queriesDropped queries of the queries file that have no relevant document and were left
 *     out (0 unless dropping them was asked for)
 * @param judgementsNotRelevant qrels rows with a relevance of 0 or below: judged not relevant, in
 *     no {@code relevant} set
 * @param warnings sentences to show the user, each starting with its file: lines that were not
 *     valid UTF-8, queries dropped (unmodifiable)
 */
public record IrSplit(
    List<IrQuery> queries,
    List<IrDocument> corpus,
    Map<String, Map<String, Integer>> relevant,
    int queriesDropped,
    int judgementsNotRelevant,
    List<String> warnings) {

  /** Copies the lists and maps into unmodifiable ones that keep their order. */
  public IrSplit {
    queries = List.copyOf(queries);
    corpus = List.copyOf(corpus);
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    relevant.forEach(
        (q, docs) -> copy.put(q, Collections.unmodifiableMap(new LinkedHashMap<>(docs))));
    relevant = Collections.unmodifiableMap(copy);
    warnings = List.copyOf(warnings);
  }
}
