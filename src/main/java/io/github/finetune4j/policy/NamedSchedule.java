package io.github.finetune4j.policy;

import java.util.function.DoubleUnaryOperator;

/** A schedule with a kind name and a printable description; clamps progress before delegating. */
final class NamedSchedule implements Schedule {

  private final String name;
  private final String description;
  private final DoubleUnaryOperator body;

  NamedSchedule(String name, String description, DoubleUnaryOperator body) {
    this.name = name;
    this.description = description;
    this.body = body;
  }

  @Override
  public double factor(double progress) {
    return body.applyAsDouble(Schedule.clamp(progress));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return description;
  }
}
