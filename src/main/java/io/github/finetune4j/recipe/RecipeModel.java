package io.github.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The recipe format, derived from the record types: one walker validates a parsed tree (reporting
 * every problem with its path), converts it to records, writes records back to a tree, and emits
 * the JSON Schema. Field names are the record components in snake_case. A section that is one of
 * several kinds is a tagged variant: a {@link Variants} sealed interface whose permitted records
 * each carry a {@link Kind} name, chosen by the section's {@code type:} key.
 */
public final class RecipeModel {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The largest whole number a {@code Long} field takes: all up to it are exact as doubles. */
  private static final long MAX_EXACT_LONG = (1L << 53) - 1;

  private RecipeModel() {}

  /**
   * Validates {@code node} against {@code type}, adding "path: reason" problems.
   *
   * @param node the parsed value (may be null or missing)
   * @param type the record or value type
   * @param path the dotted path of the value, for messages
   * @param problems where problems are added
   */
  public static void validate(JsonNode node, Type type, String path, List<String> problems) {
    validate(node == null ? null : node.deepCopy(), type, path, null, problems);
  }

  /**
   * Validates {@code node} like {@link #validate(JsonNode, Type, String, List)} and removes from it
   * every unknown key and every value that has a problem, so that what is left converts (with
   * defaults, and nulls where a required field is missing) and can be checked further.
   *
   * @param node the parsed record value, modified in place
   * @param type the record type
   * @param problems where problems are added
   */
  static void validateAndPrune(ObjectNode node, Class<?> type, List<String> problems) {
    validate(node, type, "", null, problems);
  }

  /** Returns false when {@code node} itself must be dropped by its parent. */
  private static boolean validate(
      JsonNode node, Type type, String path, OneOf oneOf, List<String> problems) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return true; // required-ness is checked by the parent
    }
    Class<?> raw = rawClass(type);
    if (isVariant(raw)) {
      return validateVariant(node, raw, path, problems);
    } else if (raw.isRecord()) {
      if (!node.isObject()) {
        problems.add(path + ": expected a mapping (object), got " + describe(node));
        return false;
      }
      ObjectNode obj = (ObjectNode) node;
      Set<String> known = new TreeSet<>(fieldNames(raw));
      List<String> unknown = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!known.contains(key)) {
          problems.add(unknownKey(path, key, known));
          unknown.add(key);
        }
      }
      obj.remove(unknown);
      validateFields(obj, raw, path, problems);
      return true;
    } else if (raw == List.class) {
      if (!node.isArray()) {
        problems.add(path + ": expected a list, got " + describe(node));
        return false;
      }
      Type elem = typeArg(type, 0);
      boolean ok = true;
      for (int i = 0; i < node.size(); i++) {
        if (node.get(i).isNull()) {
          problems.add(path + "[" + i + "]: expected a value, got null");
          ok = false;
        } else {
          ok &= validate(node.get(i), elem, path + "[" + i + "]", oneOf, problems);
        }
      }
      return ok;
    } else if (raw == Map.class) {
      if (!node.isObject()) {
        problems.add(path + ": expected a mapping (object), got " + describe(node));
        return false;
      }
      Type elem = typeArg(type, 1);
      boolean ok = true;
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNull()) {
          problems.add(join(path, e.getKey()) + ": expected a value, got null");
          ok = false;
        } else {
          ok &= validate(e.getValue(), elem, join(path, e.getKey()), null, problems);
        }
      }
      return ok;
    } else if (raw == String.class) {
      // A boolean is a string of a vocabulary only when that vocabulary holds true and false
      // (e.g. data.standardize: auto | true | false).
      if (node.isBoolean() && (oneOf == null || !booleanWords(oneOf))) {
        // YAML 1.1 turns unquoted no/yes/on/off into booleans: a class named "no" would silently
        // become "false"
        problems.add(
            path
                + ": expected a string, got the boolean "
                + node.asText()
                + " (YAML reads an unquoted "
                + (node.booleanValue() ? "yes, on or true" : "no, off or false")
                + " as a boolean); quote the value, e.g. \""
                + (node.booleanValue() ? "yes" : "no")
                + "\"");
        return false;
      }
      if (!node.isValueNode()) {
        problems.add(path + ": expected a string, got " + describe(node));
        return false;
      }
      if (oneOf != null && !Arrays.asList(oneOf.value()).contains(node.asText())) {
        String hint = closest(node.asText(), new TreeSet<>(Arrays.asList(oneOf.value())));
        problems.add(
            path
                + ": '"
                + node.asText()
                + "' is not one of ["
                + String.join(", ", oneOf.value())
                + "]"
                + (hint == null ? "" : "; did you mean '" + hint + "'?"));
        return false;
      }
      return true;
    } else if (raw == Double.class) {
      Double d = asDouble(node);
      if (d == null) {
        problems.add(path + ": expected a number, got " + describe(node));
        return false;
      } else if (d.isNaN() || d.isInfinite()) {
        problems.add(path + ": expected a finite number, got " + node.asText());
        return false;
      }
      return true;
    } else if (raw == Integer.class || raw == Long.class) {
      Double d = asDouble(node);
      if (d == null || d.isInfinite() || d != Math.rint(d)) {
        problems.add(path + ": expected a whole number, got " + describe(node));
        return false;
      }
      long lo = raw == Integer.class ? Integer.MIN_VALUE : -MAX_EXACT_LONG;
      long hi = raw == Integer.class ? Integer.MAX_VALUE : MAX_EXACT_LONG;
      if (d < lo || d > hi) {
        problems.add(
            path
                + ": expected a whole number from "
                + lo
                + " to "
                + hi
                + ", got "
                + describe(node));
        return false;
      }
      return true;
    } else if (raw == Boolean.class) {
      if (asBoolean(node) == null) {
        problems.add(path + ": expected true or false, got " + describe(node));
        return false;
      }
      return true;
    } else {
      throw new IllegalStateException("unsupported recipe field type " + type);
    }
  }

  /** Validates the fields of a record whose keys are all known. */
  private static void validateFields(
      ObjectNode obj, Class<?> raw, String path, List<String> problems) {
    for (RecordComponent c : raw.getRecordComponents()) {
      String name = jsonName(c.getName());
      JsonNode child = obj.get(name);
      boolean absent = child == null || child.isNull();
      if (absent && c.isAnnotationPresent(Required.class)) {
        problems.add(join(path, name) + ": required field is missing");
      } else if (!absent
          && !validate(
              child,
              c.getGenericType(),
              join(path, name),
              c.getAnnotation(OneOf.class),
              problems)) {
        obj.remove(name);
      }
    }
  }

  private static String unknownKey(String path, String key, Set<String> known) {
    String hint = closest(key, known);
    return join(path, key)
        + ": unknown key"
        + (hint == null
            ? "; known keys: " + String.join(", ", known)
            : "; did you mean '" + hint + "'?");
  }

  /**
   * Validates a tagged variant: retired keys, then {@code type} (or the default kind), then the
   * keys of the chosen kind (naming the kind a key of another kind belongs to), then its fields.
   */
  private static boolean validateVariant(
      JsonNode node, Class<?> iface, String path, List<String> problems) {
    if (!node.isObject()) {
      problems.add(path + ": expected a mapping (object), got " + describe(node));
      return false;
    }
    ObjectNode obj = (ObjectNode) node;
    Variants variants = iface.getAnnotation(Variants.class);
    Map<String, Class<?>> kinds = kinds(iface);
    boolean retired = false;
    for (Variants.Retired r : variants.retired()) {
      if (obj.has(r.key())) {
        problems.add(join(path, r.key()) + ": " + r.message());
        obj.remove(r.key());
        retired = true;
      }
    }
    String typePath = join(path, TYPE);
    String choice = "one of [" + String.join(", ", kinds.keySet()) + "]";
    JsonNode t = obj.get(TYPE);
    String kind;
    if (t == null || t.isNull()) {
      if (variants.defaultKind().isEmpty()) {
        if (!retired) { // the retired key's message says what to write
          problems.add(typePath + ": required; " + choice);
        }
        return false;
      }
      kind = variants.defaultKind();
    } else if (!t.isTextual()) {
      problems.add(typePath + ": expected a string, got " + describe(t) + "; " + choice);
      return false;
    } else if (!kinds.containsKey(t.asText())) {
      String hint = closest(t.asText(), kinds.keySet());
      problems.add(
          typePath
              + ": '"
              + t.asText()
              + "' is not "
              + choice
              + (hint == null ? "" : "; did you mean '" + hint + "'?"));
      return false;
    } else {
      kind = t.asText();
    }
    Class<?> record = kinds.get(kind);
    List<String> fields = fieldNames(record);
    Set<String> known = new TreeSet<>(fields);
    known.add(TYPE);
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (known.contains(key)) {
        continue;
      }
      List<String> owners =
          kinds.entrySet().stream()
              .filter(e -> fieldNames(e.getValue()).contains(key))
              .map(e -> "'" + e.getKey() + "'")
              .toList();
      problems.add(
          owners.isEmpty()
              ? unknownKey(path, key, known)
              : join(path, key)
                  + ": not a field of type '"
                  + kind
                  + "' (fields: "
                  + String.join(", ", fields)
                  + "); it is a field of type "
                  + String.join(", ", owners));
      unknown.add(key);
    }
    obj.remove(unknown);
    validateFields(obj, record, path, problems);
    return true;
  }

  /** The key that chooses the kind of a tagged variant. */
  static final String TYPE = "type";

  /**
   * Whether {@code type} is a tagged variant: a sealed interface marked {@link Variants}.
   *
   * @param type a class
   * @return true for a tagged variant
   */
  static boolean isVariant(Class<?> type) {
    return type.isInterface() && type.isSealed() && type.isAnnotationPresent(Variants.class);
  }

  private static final ClassValue<Map<String, Class<?>>> KINDS =
      new ClassValue<>() {
        @Override
        protected Map<String, Class<?>> computeValue(Class<?> iface) {
          Map<String, Class<?>> out = new LinkedHashMap<>();
          for (Class<?> k : iface.getPermittedSubclasses()) {
            Kind kind = k.getAnnotation(Kind.class);
            if (!k.isRecord() || kind == null) {
              throw new IllegalStateException(
                  iface.getSimpleName()
                      + " permits "
                      + k.getSimpleName()
                      + ", which is not a record with @Kind");
            }
            if (fieldNames(k).contains(TYPE)) {
              throw new IllegalStateException(
                  k.getSimpleName() + ": a kind must not have a field named '" + TYPE + "'");
            }
            if (out.put(kind.value(), k) != null) {
              throw new IllegalStateException(
                  iface.getSimpleName() + ": two kinds are named '" + kind.value() + "'");
            }
          }
          String def = iface.getAnnotation(Variants.class).defaultKind();
          if (!def.isEmpty() && !out.containsKey(def)) {
            throw new IllegalStateException(
                iface.getSimpleName()
                    + ": default kind '"
                    + def
                    + "' is not one of "
                    + out.keySet());
          }
          return Collections.unmodifiableMap(out);
        }
      };

  /**
   * The kinds of a tagged variant by {@code type:} name, in {@code permits} order.
   *
   * @param iface a {@link Variants} sealed interface
   * @return name to record class
   * @throws IllegalStateException when a permitted class is not a record with {@link Kind}
   */
  public static Map<String, Class<?>> kinds(Class<?> iface) {
    if (!isVariant(iface)) {
      throw new IllegalArgumentException(iface + " is not a @Variants sealed interface");
    }
    return KINDS.get(iface);
  }

  /**
   * The {@code type:} name of a kind's value, e.g. {@code bert-onnx}.
   *
   * @param value a record of a tagged variant
   * @return its {@link Kind} name
   */
  public static String kindOf(Object value) {
    Kind kind = value.getClass().getAnnotation(Kind.class);
    if (kind == null) {
      throw new IllegalArgumentException(value.getClass() + " has no @Kind");
    }
    return kind.value();
  }

  /** The recipe names of a record's fields, in declaration order. */
  private static List<String> fieldNames(Class<?> record) {
    return Arrays.stream(record.getRecordComponents()).map(c -> jsonName(c.getName())).toList();
  }

  /**
   * Converts a validated tree to a value of {@code type}.
   *
   * @param node the validated node
   * @param type the target type
   * @return the value (null for an absent node)
   */
  public static Object convert(JsonNode node, Type type) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    Class<?> raw = rawClass(type);
    if (isVariant(raw)) {
      JsonNode t = node.get(TYPE);
      String kind =
          t == null || t.isNull() ? raw.getAnnotation(Variants.class).defaultKind() : t.asText();
      Class<?> record = kinds(raw).get(kind);
      if (record == null) {
        throw new IllegalStateException(
            "no kind '" + kind + "' of " + raw.getSimpleName() + "; validate the tree first");
      }
      return convert(node, record);
    } else if (raw.isRecord()) {
      RecordComponent[] comps = raw.getRecordComponents();
      Object[] args = new Object[comps.length];
      Class<?>[] types = new Class<?>[comps.length];
      for (int i = 0; i < comps.length; i++) {
        args[i] = convert(node.get(jsonName(comps[i].getName())), comps[i].getGenericType());
        types[i] = comps[i].getType();
      }
      try {
        Constructor<?> ctor = raw.getDeclaredConstructor(types);
        return ctor.newInstance(args);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    } else if (raw == List.class) {
      List<Object> out = new ArrayList<>();
      for (JsonNode n : node) {
        out.add(convert(n, typeArg(type, 0)));
      }
      return List.copyOf(out);
    } else if (raw == Map.class) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.fields()
          .forEachRemaining(e -> out.put(e.getKey(), convert(e.getValue(), typeArg(type, 1))));
      return Collections.unmodifiableMap(out);
    } else if (raw == String.class) {
      return node.asText();
    } else if (raw == Double.class) {
      return asDouble(node);
    } else if (raw == Integer.class) {
      return asDouble(node).intValue();
    } else if (raw == Long.class) {
      return asDouble(node).longValue();
    } else if (raw == Boolean.class) {
      return asBoolean(node);
    }
    throw new IllegalStateException("unsupported recipe field type " + type);
  }

  /**
   * Writes a record (or value) back to a tree, omitting nulls.
   *
   * @param value the value
   * @return the tree
   */
  public static JsonNode toTree(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    Class<?> raw = value.getClass();
    if (raw.isRecord()) {
      ObjectNode obj = NODES.objectNode();
      if (raw.isAnnotationPresent(Kind.class)) {
        obj.put(TYPE, raw.getAnnotation(Kind.class).value()); // the tag comes first
      }
      for (RecordComponent c : raw.getRecordComponents()) {
        try {
          Object v = c.getAccessor().invoke(value);
          if (v != null) {
            obj.set(jsonName(c.getName()), toTree(v));
          }
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return obj;
    } else if (value instanceof List<?> list) {
      ArrayNode arr = NODES.arrayNode();
      list.forEach(v -> arr.add(toTree(v)));
      return arr;
    } else if (value instanceof Map<?, ?> map) {
      ObjectNode obj = NODES.objectNode();
      map.forEach((k, v) -> obj.set(String.valueOf(k), toTree(v)));
      return obj;
    } else if (value instanceof String s) {
      return NODES.textNode(s);
    } else if (value instanceof Double d) {
      return NODES.numberNode(d);
    } else if (value instanceof Integer i) {
      return NODES.numberNode(i);
    } else if (value instanceof Long l) {
      return NODES.numberNode(l);
    } else if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    throw new IllegalStateException("unsupported recipe value " + raw);
  }

  /**
   * The JSON Schema (draft 2020-12) of {@code type}.
   *
   * @param type the root record type
   * @return the schema
   */
  public static ObjectNode schema(Class<?> type) {
    ObjectNode root = (ObjectNode) schemaOf(type, null, null);
    ObjectNode out = NODES.objectNode();
    out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    out.put("$id", "https://finetune4j.github.io/schema/recipe.json");
    out.put("title", "Finetune4J recipe");
    out.setAll(root);
    return out;
  }

  private static JsonNode schemaOf(Type type, OneOf oneOf, Doc doc) {
    Class<?> raw = rawClass(type);
    ObjectNode s = NODES.objectNode();
    if (doc != null) {
      s.put("description", doc.value());
    }
    if (isVariant(raw)) {
      if (doc == null && raw.getAnnotation(Doc.class) != null) {
        s.put("description", raw.getAnnotation(Doc.class).value());
      }
      String def = raw.getAnnotation(Variants.class).defaultKind();
      s.put("type", "object");
      ArrayNode alternatives = s.putArray("oneOf");
      kinds(raw)
          .forEach(
              (kind, record) -> {
                ObjectNode alt = (ObjectNode) schemaOf(record, null, null);
                ObjectNode props = NODES.objectNode();
                ObjectNode tag = props.putObject(TYPE);
                tag.put("const", kind);
                tag.put(
                    "description",
                    kind.equals(def)
                        ? "`" + kind + "` (the default when `type` is absent)"
                        : "`" + kind + "`");
                props.setAll((ObjectNode) alt.get("properties"));
                alt.set("properties", props);
                ArrayNode required = NODES.arrayNode();
                if (!kind.equals(def)) {
                  required.add(TYPE);
                }
                if (alt.has("required")) {
                  required.addAll((ArrayNode) alt.get("required"));
                }
                alt.remove("required");
                if (!required.isEmpty()) {
                  alt.set("required", required);
                }
                ObjectNode titled = NODES.objectNode();
                titled.put("title", "type: " + kind);
                titled.setAll(alt);
                alternatives.add(titled);
              });
    } else if (raw.isRecord()) {
      if (doc == null && raw.getAnnotation(Doc.class) != null) {
        s.put("description", raw.getAnnotation(Doc.class).value());
      }
      s.put("type", "object");
      s.put("additionalProperties", false);
      ObjectNode props = s.putObject("properties");
      ArrayNode required = NODES.arrayNode();
      for (RecordComponent c : raw.getRecordComponents()) {
        String name = jsonName(c.getName());
        props.set(
            name,
            schemaOf(c.getGenericType(), c.getAnnotation(OneOf.class), c.getAnnotation(Doc.class)));
        if (c.isAnnotationPresent(Required.class)) {
          required.add(name);
        }
      }
      if (!required.isEmpty()) {
        s.set("required", required);
      }
    } else if (raw == List.class) {
      s.put("type", "array");
      s.set("items", schemaOf(typeArg(type, 0), oneOf, null));
    } else if (raw == Map.class) {
      s.put("type", "object");
      s.set("additionalProperties", schemaOf(typeArg(type, 1), null, null));
    } else if (raw == String.class) {
      if (oneOf != null && booleanWords(oneOf)) {
        // true and false are YAML booleans: the schema takes them as such
        s.putArray("type").add("string").add("boolean");
        ArrayNode e = s.putArray("enum");
        Arrays.stream(oneOf.value())
            .forEach(
                v -> {
                  if (v.equals("true") || v.equals("false")) {
                    e.add(Boolean.parseBoolean(v));
                  } else {
                    e.add(v);
                  }
                });
      } else {
        s.put("type", "string");
        if (oneOf != null) {
          ArrayNode e = s.putArray("enum");
          Arrays.stream(oneOf.value()).forEach(e::add);
        }
      }
    } else if (raw == Double.class) {
      s.put("type", "number");
    } else if (raw == Integer.class || raw == Long.class) {
      s.put("type", "integer");
    } else if (raw == Boolean.class) {
      s.put("type", "boolean");
    }
    return s;
  }

  /** Whether a vocabulary holds the words true and false, which a recipe may write as booleans. */
  private static boolean booleanWords(OneOf oneOf) {
    List<String> words = Arrays.asList(oneOf.value());
    return words.contains("true") && words.contains("false");
  }

  /**
   * The recipe name of a record component: camelCase becomes snake_case.
   *
   * @param component the Java name
   * @return the recipe name
   */
  public static String jsonName(String component) {
    StringBuilder b = new StringBuilder();
    for (char ch : component.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static Double asDouble(JsonNode node) {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      try {
        String t = node.asText().trim();
        if (t.matches("[-+]?\\.?(?i:nan)")) {
          return Double.NaN; // YAML's .nan, and nan: rejected as not finite by the caller
        }
        if (t.matches("[-+]?\\.?(?i:inf|infinity)")) {
          return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (t.isEmpty() || !t.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?")) {
          return null;
        }
        return Double.parseDouble(t);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static Boolean asBoolean(JsonNode node) {
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isTextual() && (node.asText().equals("true") || node.asText().equals("false"))) {
      return Boolean.valueOf(node.asText());
    }
    return null;
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "\"" + shortened(node.asText()) + "\"";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    return node.toString();
  }

  /** A value as a message shows it: long ones cut, with their length (a message stays short). */
  static String shortened(String s) {
    return s.length() <= 60 ? s : s.substring(0, 40) + "... (" + s.length() + " characters)";
  }

  /** The known word closest to {@code word} by edit distance, or null when none is close. */
  static String closest(String word, Set<String> known) {
    return known.stream()
        .min(Comparator.comparingInt(k -> distance(word, k)))
        .filter(k -> distance(word, k) <= Math.max(2, word.length() / 3))
        .orElse(null);
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    throw new IllegalStateException("unsupported type " + type);
  }

  private static Type typeArg(Type type, int i) {
    return ((ParameterizedType) type).getActualTypeArguments()[i];
  }
}
