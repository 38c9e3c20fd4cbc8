use tract_onnx::prelude::*;
fn main() -> TractResult<()> {
    let path = std::env::args().nth(1).unwrap();
    let m = tract_onnx::onnx().model_for_path(&path)?;
    let m = m.into_typed()?.into_decluttered()?;
    for n in m.nodes() {
        println!("{} | {} | {:?} | in {:?} | out {:?}", n.id, n.name, n.op, n.inputs, n.outputs.iter().map(|o| format!("{:?}", o.fact)).collect::<Vec<_>>());
    }
    Ok(())
}
