/** A layout thread: runs one share of the edges for every epoch over the shared positions (optimise-layout.ts). */
import { workerData } from 'node:worker_threads';
import { runEpochs, startingState, type EdgeShare } from './optimise-layout';

const { share, positions, control, index } = workerData as { share: EdgeShare; positions: Float64Array; control: Int32Array; index: number };
const state = startingState(share);
for (let epoch = 0; epoch < share.epochs && Atomics.load(control, 0) === 0; epoch++) {
  runEpochs(share, positions, state, epoch, epoch + 1);
  Atomics.store(control, index, epoch + 1);
}
