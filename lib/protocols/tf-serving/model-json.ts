/**
 * TF Serving's REST response bodies for model status and metadata (GetModelStatusResponse and
 * GetModelMetadataResponse as proto3 JSON).
 * @module http/rest-json
 */
import type { Signature, SignatureMap, TensorSpec } from '../../tensors/signature.ts';
import type { VersionStatus } from '../../service/model-service.ts';

export function modelStatusJson(statuses: VersionStatus[]) {
  return {
    // Newest first, as TF Serving lists them.
    model_version_status: [...statuses]
      .sort((a, b) => b.version - a.version)
      .map((status) => ({
        version: String(status.version),
        state: status.state,
        status: { error_code: status.error?.code ?? 'OK', error_message: status.error?.message ?? '' },
      })),
  };
}

export function modelMetadataJson(name: string, version: number, signatures: SignatureMap) {
  return {
    model_spec: { name, signature_name: '', version: String(version) },
    metadata: {
      signature_def: {
        signature_def: Object.fromEntries(
          Object.entries(signatures).map(([key, signature]) => [key, signatureDefJson(signature)]),
        ),
      },
    },
  };
}

function signatureDefJson(signature: Signature) {
  return {
    inputs: tensorInfoMap(signature.inputs),
    outputs: tensorInfoMap(signature.outputs),
    method_name: signature.methodName,
    defaults: {},
  };
}

function tensorInfoMap(specs: Record<string, TensorSpec>) {
  return Object.fromEntries(
    Object.entries(specs).map(([alias, spec]) => [
      alias,
      {
        dtype: spec.dtype,
        tensor_shape: spec.shape
          ? { dim: spec.shape.map((size) => ({ size: String(size), name: '' })), unknown_rank: false }
          : { dim: [], unknown_rank: true },
        name: spec.tensorName,
      },
    ]),
  );
}
