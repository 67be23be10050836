/**
 * Parameter schema for Gaussian input distributions x ~ N(0, Σ) (see numeric/covariance.ts for the
 * mathematics): the spectrum family and the eigenbasis.
 */
import { z } from 'zod';
import { intIn, numIn, numAbove } from '../validation.js';
import { makeCovariance, type Covariance, type SpectrumSpec } from '../numeric/covariance.js';
import { createRng } from '../numeric/rng.js';

export const MAX_DIMENSION = 20000;

export const spectrumSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('isotropic'), scale: numAbove(0, 1e6).default(1) }).strict(),
  z.object({ kind: z.literal('powerLaw'), exponent: numIn(0, 10) }).strict(),
  z.object({ kind: z.literal('lowRank'), rank: intIn(1, MAX_DIMENSION), scale: numAbove(0, 1e6).default(1) }).strict(),
  z
    .object({
      kind: z.literal('spiked'),
      spikes: intIn(1, MAX_DIMENSION),
      strength: numIn(0, 1e6),
      bulk: numAbove(0, 1e6).default(1),
    })
    .strict(),
]);

export const covarianceSchema = z
  .object({
    spectrum: spectrumSchema,
    basis: z.enum(['identity', 'random']).default('identity'),
  })
  .strict();

export type CovarianceParams = z.output<typeof covarianceSchema>;

/** Short human label, e.g. "power law a=1". */
export function describeSpectrum(spec: SpectrumSpec): string {
  switch (spec.kind) {
    case 'isotropic':
      return spec.scale === 1 ? 'isotropic' : `isotropic s²=${spec.scale}`;
    case 'powerLaw':
      return `power law a=${spec.exponent}`;
    case 'lowRank':
      return `low rank r=${spec.rank}, s²=${spec.scale}`;
    case 'spiked':
      return `spiked k=${spec.spikes}, +${spec.strength}`;
  }
}

/**
 * Build Σ for a problem instance. A random basis is drawn from the instance's 'covariance' stream,
 * so the same (params, instanceSeed) always gives the same Σ.
 */
export function gaussianInputs(params: CovarianceParams, d: number, instanceSeed: number): Covariance {
  if (params.spectrum.kind === 'lowRank' && params.spectrum.rank > d) {
    throw new RangeError(`covariance.spectrum.rank: ${params.spectrum.rank} exceeds the dimension d = ${d}`);
  }
  if (params.spectrum.kind === 'spiked' && params.spectrum.spikes > d) {
    throw new RangeError(`covariance.spectrum.spikes: ${params.spectrum.spikes} exceeds the dimension d = ${d}`);
  }
  return makeCovariance(params.spectrum, d, params.basis, createRng(instanceSeed, 'covariance'));
}
