package io.github.finetune4j.recipe;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Generates the field reference of {@code docs/recipes.md} from the recipe records: one section per
 * record (by its path in a recipe), a table of key / type / default / description; a tagged variant
 * ({@link Variants}) gets one section per kind, titled by its {@code type}. Types come from the
 * component types and {@link OneOf}, descriptions from {@link Doc}, and defaults from constructing
 * each record with every field absent. The reference lives between two markers; the hand-written
 * text around it is kept.
 *
 * <p>Regenerate with {@code mvn -B -q -o test -Dtest=SchemaTest -Dfinetune4j.regenerateDocs=true}.
 */
public final class DocsGenerator {

  /** The reference page. */
  public static final Path DOCS = Path.of("docs/recipes.md");

  /** Marks the start of the generated reference. */
  public static final String BEGIN =
      "<!-- BEGIN GENERATED FIELD REFERENCE (DocsGenerator; do not edit by hand) -->";

  /** Marks the end of the generated reference. */
  public static final String END = "<!-- END GENERATED FIELD REFERENCE -->";

  private DocsGenerator() {}

  /**
   * Rewrites the generated part of {@code docs/recipes.md}.
   *
   * @param args ignored
   * @throws IOException when the page cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    Files.writeString(DOCS, update(Files.readString(DOCS)));
  }

  /**
   * Replaces the text between the markers with a freshly generated reference.
   *
   * @param page the current page
   * @return the page with a current reference
   */
  public static String update(String page) {
    int b = page.indexOf(BEGIN);
    int e = page.indexOf(END);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException(DOCS + " lacks the generated-reference markers");
    }
    return page.substring(0, b)
        + BEGIN
        + "\n"
        + reference()
        + END
        + page.substring(e + END.length());
  }

  /**
   * The generated reference: a section per record, reached from {@link Recipe}.
   *
   * @return Markdown
   */
  public static String reference() {
    StringBuilder out = new StringBuilder();
    section(out, "(top level)", "", Recipe.class, null, null);
    return out.toString();
  }

  /**
   * One table: the fields of {@code record} at {@code path}; for a kind of a tagged variant ({@code
   * kind} not null) the title names it and the first row is its {@code type}.
   */
  private static void section(
      StringBuilder out, String title, String path, Class<?> record, String kind, Class<?> iface) {
    out.append("\n### `").append(title).append("`");
    if (kind != null) {
      out.append(" (type: `").append(kind).append("`)");
    }
    out.append("\n\n");
    Doc doc = record.getAnnotation(Doc.class);
    if (doc != null) {
      out.append(doc.value()).append("\n\n");
    }
    out.append("| key | type | default | description |\n|---|---|---|---|\n");
    if (kind != null) {
      String def = iface.getAnnotation(Variants.class).defaultKind();
      out.append("| `")
          .append(join(path, "type"))
          .append("` | `")
          .append(kind)
          .append("` | ")
          .append(kind.equals(def) ? "`" + kind + "`" : "**required**")
          .append(" | ")
          .append(
              kind.equals(def)
                  ? "Chooses this kind; it is the kind when `type` is absent."
                  : "Chooses this kind.")
          .append(" |\n");
    }
    Object defaults = defaults(record);
    List<Object[]> nested = new ArrayList<>();
    for (RecordComponent c : record.getRecordComponents()) {
      String key = join(path, RecipeModel.jsonName(c.getName()));
      Class<?> variant = raw(c.getGenericType());
      if (RecipeModel.isVariant(variant)) {
        out.append("| `")
            .append(key)
            .append("` | ")
            .append(typeOf(c.getGenericType(), null))
            .append(" | ")
            .append(c.isAnnotationPresent(Required.class) ? "**required**" : "—")
            .append(" | ")
            .append(
                c.isAnnotationPresent(Doc.class) ? cell(c.getAnnotation(Doc.class).value()) : "")
            .append(" |\n");
        RecipeModel.kinds(variant)
            .forEach((k, rec) -> nested.add(new Object[] {key, rec, k, variant}));
        continue;
      }
      Class<?> elem = recordOf(c.getGenericType());
      String fullKey = elem != null && c.getType() == List.class ? key + "[]" : key;
      out.append("| `")
          .append(key)
          .append("` | ")
          .append(typeOf(c.getGenericType(), c.getAnnotation(OneOf.class)))
          .append(" | ")
          .append(defaultOf(c, defaults, elem))
          .append(" | ")
          .append(c.isAnnotationPresent(Doc.class) ? cell(c.getAnnotation(Doc.class).value()) : "")
          .append(" |\n");
      if (elem != null) {
        nested.add(new Object[] {fullKey, elem, null, null});
      }
    }
    for (Object[] n : nested) {
      section(out, (String) n[0], (String) n[0], (Class<?>) n[1], (String) n[2], (Class<?>) n[3]);
    }
  }

  private static Object defaults(Class<?> record) {
    RecordComponent[] comps = record.getRecordComponents();
    Class<?>[] types = Arrays.stream(comps).map(RecordComponent::getType).toArray(Class<?>[]::new);
    try {
      return record.getDeclaredConstructor(types).newInstance(new Object[comps.length]);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + record + " with every field absent", e);
    }
  }

  private static String defaultOf(RecordComponent c, Object defaults, Class<?> elem) {
    if (c.isAnnotationPresent(Required.class)) {
      return "**required**";
    }
    Object v;
    try {
      v = c.getAccessor().invoke(defaults);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    if (v == null) {
      return "—";
    }
    if (elem != null && c.getType() != List.class) {
      return "see below";
    }
    if (v instanceof List<?> l) {
      return "`"
          + l.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"))
          + "`";
    }
    if (v instanceof Map<?, ?> m) {
      return m.isEmpty() ? "`{}`" : "`" + m + "`";
    }
    return "`" + v + "`";
  }

  private static String typeOf(Type type, OneOf oneOf) {
    Class<?> raw = raw(type);
    if (raw == List.class) {
      Type elem = ((ParameterizedType) type).getActualTypeArguments()[0];
      return raw(elem).isRecord() ? "list of entries (below)" : "list of " + typeOf(elem, oneOf);
    }
    if (raw == Map.class) {
      return "map of name → "
          + typeOf(((ParameterizedType) type).getActualTypeArguments()[1], null);
    }
    if (raw.isRecord()) {
      return "section";
    }
    if (RecipeModel.isVariant(raw)) {
      return "section by `type`: "
          + RecipeModel.kinds(raw).keySet().stream()
              .map(k -> "`" + k + "`")
              .collect(Collectors.joining(" \\| "));
    }
    if (raw == String.class) {
      return oneOf == null
          ? "string"
          : Arrays.stream(oneOf.value())
              .map(v -> "`" + v + "`")
              .collect(Collectors.joining(" \\| "));
    }
    if (raw == Double.class) {
      return "number";
    }
    if (raw == Integer.class || raw == Long.class) {
      return "integer";
    }
    if (raw == Boolean.class) {
      return "boolean";
    }
    throw new IllegalStateException("unsupported type " + type);
  }

  private static Class<?> recordOf(Type type) {
    Class<?> raw = raw(type);
    if (raw.isRecord()) {
      return raw;
    }
    if (raw == List.class) {
      Class<?> elem = raw(((ParameterizedType) type).getActualTypeArguments()[0]);
      return elem.isRecord() ? elem : null;
    }
    return null;
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
