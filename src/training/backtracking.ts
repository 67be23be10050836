/**
 * Full-batch gradient descent with a backtracking step size, shared by the mean-field ReLU trainer
 * (`meanFieldRelu.ts`, Tahir et al.'s ReLU check) and the MLP trainer (`mlp.ts`, Anguita et al.'s nonlinear check).
 * A step is accepted when the trial loss is finite and not larger than the current one; then η grows by `growth`
 * (up to `lrMax`), otherwise it halves, and the run stops with 'step-collapse' once η < 1e-12 · lr. The caller owns
 * the parameters: `tryStep(η)` writes the trial point from the current one and returns its loss (with its gradient),
 * `accept()` makes the trial the current point, and `afterAccept(loss)` returns a stop reason or null to go on.
 */
export interface BacktrackingProblem<Stop extends string> {
  tryStep(eta: number): number;
  accept(): void;
  afterAccept(loss: number): Stop | null;
}

export interface BacktrackingSettings<Stop extends string> {
  lr: number;
  growth: number;
  lrMax: number;
  /** Loss-and-gradient evaluations allowed (accepted plus rejected steps). */
  maxSteps: number;
  /** The loss at the start. */
  loss: number;
  /** The stop reason when `maxSteps` runs out. */
  budgetStop: Stop;
}

export interface BacktrackingRun<Stop extends string> {
  stop: Stop | 'step-collapse';
  steps: number;
  accepted: number;
  rejected: number;
  loss: number;
  /** The final η. */
  lr: number;
}

/** Run backtracking GD from the caller's current point (see module comment). */
export function backtrackingDescent<Stop extends string>(problem: BacktrackingProblem<Stop>, settings: BacktrackingSettings<Stop>): BacktrackingRun<Stop> {
  const { lr: lr0, growth, lrMax, maxSteps } = settings;
  let { loss } = settings;
  let eta = lr0;
  let steps = 0;
  let accepted = 0;
  let rejected = 0;
  let stop: Stop | 'step-collapse' = settings.budgetStop;
  while (steps < maxSteps) {
    steps++;
    const trialLoss = problem.tryStep(eta);
    if (Number.isFinite(trialLoss) && trialLoss <= loss) {
      problem.accept();
      loss = trialLoss;
      accepted++;
      eta = Math.min(eta * growth, lrMax);
      const reason = problem.afterAccept(loss);
      if (reason) {
        stop = reason;
        break;
      }
    } else {
      rejected++;
      eta *= 0.5;
      if (eta < 1e-12 * lr0) {
        stop = 'step-collapse';
        break;
      }
    }
  }
  return { stop, steps, accepted, rejected, loss, lr: eta };
}
