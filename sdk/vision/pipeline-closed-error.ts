/** The face pipeline was asked to analyse after `close()`: its ONNX sessions are gone. */
import { FacegateError } from "../errors.js";

export class PipelineClosedError extends FacegateError<"pipeline_closed"> {
  constructor() {
    super("pipeline_closed", "the face pipeline has been closed");
  }
}
