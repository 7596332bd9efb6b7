package io.github.finetune4j.optim;

import java.util.List;

/**
 * An optimizer update rule: the algorithm and its rule-wide constants. Per-group values (learning
 * rate, penalties, momentum override) come with each {@link ParamSlot}.
 */
public sealed interface UpdateRule permits Sgd, Adam, AdamW, RmsProp {

  /**
   * The rule's name as torch spells its class, lower case: {@code sgd}, {@code adam}, {@code
   * adamw}, {@code rmsprop}.
   *
   * @return the name
   */
  String name();

  /**
   * What {@link DecayMode#RULE_DEFAULT} means for weight decay under this rule.
   *
   * @return {@link DecayMode#COUPLED} or {@link DecayMode#DECOUPLED}
   */
  DecayMode defaultDecayMode();

  /**
   * The rule's momentum (SGD, RMSprop) or beta1 (Adam, AdamW), used when a step gives no override.
   *
   * @return the momentum
   */
  double defaultMomentum();

  /**
   * Names of the per-parameter state buffers this rule may keep, as torch's {@code state_dict}
   * names them.
   *
   * @return buffer names
   */
  List<String> bufferNames();
}
