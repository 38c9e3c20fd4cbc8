//! A small ONNX writer (tract's protobuf types + prost) for models built in code: tests, benches
//! and demos. Weights come from a seeded generator so models are reproducible.

use prost::Message;
use tract_onnx::pb::{self, attribute_proto::AttributeType, tensor_proto::DataType};

/// One input dimension.
#[derive(Clone, Debug)]
pub enum Dim {
    /// A fixed size.
    Fixed(usize),
    /// A named symbolic size (`dim_param`).
    Sym(String),
}

/// Builds an opset-17 ONNX graph with one f32 input named `input`.
#[derive(Debug)]
pub struct OnnxBuilder {
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    input: Vec<Dim>,
    next: usize,
    rng: u64,
}

/// An integer attribute.
pub fn attr_int(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i,
        ..Default::default()
    }
}

/// An integer-list attribute.
pub fn attr_ints(name: &str, ints: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: ints.to_vec(),
        ..Default::default()
    }
}

/// A float attribute.
pub fn attr_float(name: &str, f: f32) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Float as i32,
        f,
        ..Default::default()
    }
}

impl OnnxBuilder {
    /// A graph whose input has a fixed shape.
    pub fn new(input_shape: &[usize]) -> Self {
        Self::with_input(input_shape.iter().map(|&d| Dim::Fixed(d)).collect())
    }

    /// A graph whose input may have symbolic dims.
    pub fn with_input(input: Vec<Dim>) -> Self {
        OnnxBuilder {
            nodes: Vec::new(),
            inits: Vec::new(),
            input,
            next: 0,
            rng: 0x2545_f491_4f6c_dd1d,
        }
    }

    fn fresh(&mut self, hint: &str) -> String {
        self.next += 1;
        format!("{hint}_{}", self.next)
    }

    /// `n` uniform values in `[-a, a)` from the builder's seeded generator.
    pub fn uniform(&mut self, n: usize, a: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                ((self.rng >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * a
            })
            .collect()
    }

    /// Adds a constant initializer and returns its name.
    pub fn constant(&mut self, hint: &str, shape: &[usize], data: Vec<f32>) -> String {
        self.initializer(
            hint,
            shape,
            pb::TensorProto {
                data_type: DataType::Float as i32,
                float_data: data,
                ..Default::default()
            },
        )
    }

    /// Adds `data` (type and values set) as an initializer of `shape`, named from `hint`.
    fn initializer(&mut self, hint: &str, shape: &[usize], data: pb::TensorProto) -> String {
        let name = self.fresh(hint);
        self.inits.push(pb::TensorProto {
            name: name.clone(),
            dims: shape.iter().map(|&d| d as i64).collect(),
            ..data
        });
        name
    }

    /// Adds a node with one output and returns the output's name.
    pub fn node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        attribute: Vec<pb::AttributeProto>,
    ) -> String {
        let out = self.fresh(op_type);
        self.nodes.push(pb::NodeProto {
            name: out.clone(),
            op_type: op_type.into(),
            input: inputs.iter().map(ToString::to_string).collect(),
            output: vec![out.clone()],
            attribute,
            ..Default::default()
        });
        out
    }

    /// `Conv` with random (He-scaled) weights `[co, ci, k, k]` and bias, stride `s`, padding `p`.
    pub fn conv(&mut self, x: &str, ci: usize, co: usize, k: usize, s: usize, p: usize) -> String {
        let a = (6.0 / (ci * k * k) as f32).sqrt();
        let data = self.uniform(co * ci * k * k, a);
        let w = self.constant("w", &[co, ci, k, k], data);
        let data = self.uniform(co, 0.1);
        let b = self.constant("b", &[co], data);
        let (k, s, p) = (k as i64, s as i64, p as i64);
        self.node(
            "Conv",
            &[x, &w, &b],
            vec![
                attr_ints("kernel_shape", &[k, k]),
                attr_ints("strides", &[s, s]),
                attr_ints("pads", &[p, p, p, p]),
            ],
        )
    }

    /// Adds an `int64` constant initializer (indices, shapes) and returns its name.
    pub fn int_constant(&mut self, hint: &str, shape: &[usize], data: Vec<i64>) -> String {
        self.initializer(
            hint,
            shape,
            pb::TensorProto {
                data_type: DataType::Int64 as i32,
                int64_data: data,
                ..Default::default()
            },
        )
    }

    /// `Gemm` (`x · Wᵀ + b`, `transB = 1`) with random weights `[n, k]`.
    pub fn gemm(&mut self, x: &str, k: usize, n: usize) -> String {
        let data = self.uniform(n * k, (3.0 / k as f32).sqrt());
        let w = self.constant("w", &[n, k], data);
        let data = self.uniform(n, 0.1);
        let b = self.constant("b", &[n], data);
        self.node("Gemm", &[x, &w, &b], vec![attr_int("transB", 1)])
    }

    /// A torchvision-style BasicBlock: conv3x3-ReLU-conv3x3 plus the (possibly 1x1-strided) shortcut, ReLU.
    pub fn basic_block(&mut self, x: &str, ci: usize, co: usize, stride: usize) -> String {
        let h = self.conv(x, ci, co, 3, stride, 1);
        let h = self.node("Relu", &[&h], vec![]);
        let h = self.conv(&h, co, co, 3, 1, 1);
        let short = if stride != 1 || ci != co {
            self.conv(x, ci, co, 1, stride, 0)
        } else {
            x.to_string()
        };
        let y = self.node("Add", &[&h, &short], vec![]);
        self.node("Relu", &[&y], vec![])
    }

    /// Serializes the graph with `output` as its one output.
    pub fn build(self, output: &str) -> Vec<u8> {
        use pb::tensor_shape_proto::{Dimension, dimension::Value as DV};
        let dims = self
            .input
            .iter()
            .map(|d| Dimension {
                value: Some(match d {
                    Dim::Fixed(n) => DV::DimValue(*n as i64),
                    Dim::Sym(s) => DV::DimParam(s.clone()),
                }),
                ..Default::default()
            })
            .collect();
        let tensor_type = |shape| pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: DataType::Float as i32,
                shape,
            })),
            ..Default::default()
        };
        let graph = pb::GraphProto {
            name: "built".into(),
            node: self.nodes,
            initializer: self.inits,
            input: vec![pb::ValueInfoProto {
                name: "input".into(),
                r#type: Some(tensor_type(Some(pb::TensorShapeProto { dim: dims }))),
                ..Default::default()
            }],
            output: vec![pb::ValueInfoProto {
                name: output.into(),
                r#type: Some(tensor_type(None)),
                ..Default::default()
            }],
            ..Default::default()
        };
        pb::ModelProto {
            ir_version: 8,
            opset_import: vec![pb::OperatorSetIdProto {
                domain: String::new(),
                version: 17,
            }],
            producer_name: "zkinfer-model".into(),
            graph: Some(graph),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

/// ResNet-18's body after the stem: 4 stages of 2 BasicBlocks (64-128-256-512 channels, the last
/// three downsampling by 2), global average pool, flatten: 512 features.
fn resnet18_stages(b: &mut OnnxBuilder, mut x: String) -> String {
    let mut c = 64;
    for (i, co) in [64, 128, 256, 512].into_iter().enumerate() {
        let s = if i == 0 { 1 } else { 2 };
        x = b.basic_block(&x, c, co, s);
        x = b.basic_block(&x, co, co, 1);
        c = co;
    }
    let x = b.node("GlobalAveragePool", &[&x], vec![]);
    b.node("Flatten", &[&x], vec![])
}

/// The CIFAR ResNet-18 (He et al. 2016 as trained on CIFAR-10: a 3x3/1 stem and no max-pool,
/// then 4 stages of 2 BasicBlocks with 64-128-256-512 channels at 32-16-8-4 pixels, global average
/// pool, 10-way Linear; 11.2M parameters) on a `3 × 32 × 32` input, random weights.
pub fn resnet18_cifar_onnx() -> Vec<u8> {
    let mut b = OnnxBuilder::new(&[1, 3, 32, 32]);
    let x = b.conv("input", 3, 64, 3, 1, 1);
    let x = b.node("Relu", &[&x], vec![]);
    let x = resnet18_stages(&mut b, x);
    let y = b.gemm(&x, 512, 10);
    b.build(&y)
}

/// A ResNet-18 (torchvision layout: 7x7/2 stem, 3x3/2 max-pool, 4 stages of 2 BasicBlocks with
/// 64-128-256-512 channels, global average pool, 1000-way Linear) on a `3 × hw × hw` input,
/// random weights.
pub fn resnet18_onnx(hw: usize) -> Vec<u8> {
    let mut b = OnnxBuilder::new(&[1, 3, hw, hw]);
    let x = b.conv("input", 3, 64, 7, 2, 3);
    let x = b.node("Relu", &[&x], vec![]);
    let x = b.node(
        "MaxPool",
        &[&x],
        vec![
            attr_ints("kernel_shape", &[3, 3]),
            attr_ints("strides", &[2, 2]),
            attr_ints("pads", &[1, 1, 1, 1]),
        ],
    );
    let x = resnet18_stages(&mut b, x);
    let y = b.gemm(&x, 512, 1000);
    b.build(&y)
}
