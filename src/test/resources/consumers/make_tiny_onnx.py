# Writes tiny.onnx, the ONNX graph ConsumerHarnessTest runs with ONNX Runtime to check the harness's
# input mapping and its 2-D / 3-D outputs against values computed by hand.
#   logits[b][t]     = input_ids + 10 * attention_mask + 100 * token_type_ids   (float, [batch, seq])
#   sequence[b][t][0] = logits[b][t]                                              (float, [batch, seq, 1])
# Run with Debian's python3-onnx:  /usr/bin/python3 make_tiny_onnx.py
import onnx
from onnx import TensorProto, helper

inputs = [
    helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
    for n in ("input_ids", "attention_mask", "token_type_ids")
]
outputs = [
    helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq"]),
    helper.make_tensor_value_info("sequence", TensorProto.FLOAT, ["batch", "seq", 1]),
]
inits = [
    helper.make_tensor("ten", TensorProto.FLOAT, [], [10.0]),
    helper.make_tensor("hundred", TensorProto.FLOAT, [], [100.0]),
    helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
]
nodes = [
    helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
    helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
    helper.make_node("Cast", ["token_type_ids"], ["types_f"], to=TensorProto.FLOAT),
    helper.make_node("Mul", ["mask_f", "ten"], ["mask_10"]),
    helper.make_node("Mul", ["types_f", "hundred"], ["types_100"]),
    helper.make_node("Add", ["ids_f", "mask_10"], ["partial"]),
    helper.make_node("Add", ["partial", "types_100"], ["logits"]),
    helper.make_node("Unsqueeze", ["logits", "axis2"], ["sequence"]),
]
graph = helper.make_graph(nodes, "tiny", inputs, outputs, inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="finetune4j-tests")
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, "tiny.onnx")
