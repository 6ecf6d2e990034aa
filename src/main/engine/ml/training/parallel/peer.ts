/** Entry of the training peer thread: a replica of the model that trains on the second half of each batch. */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backends/backend';
import { setLearningRate } from '../../model/optimizer';
import { SimclrModel, type SimclrConfig } from '../../model/simclr';
import { applySummedGradients, localGradients, replicaState, setReplicaState } from './data-parallel';
import { PairExchange } from './exchange';
import type { FromPeer, ToPeer } from './protocol';

const port = parentPort!;
let model: SimclrModel | null = null;
let exchange: PairExchange | null = null;

const reply = (message: FromPeer) => port.postMessage(message);

async function handle(message: ToPeer): Promise<void> {
  switch (message.type) {
    case 'init': {
      await initBackend('wasm');
      model = SimclrModel.create({ ...(message.config as SimclrConfig), workers: 1 });
      await setReplicaState(model, message.state);
      exchange = new PairExchange(1, message.buffers);
      return reply({ type: 'ready' });
    }
    case 'step': {
      if (!model || !exchange) throw new Error('peer used before init');
      if (message.data) exchange.setData(message.data);
      if (message.learningRate !== undefined) setLearningRate(model.optimizer, message.learningRate);
      const shape: [number, number, number, number] = [message.views1.length / (3 * message.imageSize ** 2), message.imageSize, message.imageSize, 3];
      const [v1, v2] = [tf.tensor4d(message.views1, shape), tf.tensor4d(message.views2, shape)];
      try {
        const { grads } = localGradients(model, exchange, [v1, v2], message);
        applySummedGradients(model, exchange, grads);
      } finally {
        tf.dispose([v1, v2]);
      }
      return reply({ type: 'stepped' });
    }
    case 'state':
      return reply({ type: 'state', state: await replicaState(model!) });
    case 'close':
      model?.dispose();
      port.close();
  }
}

port.on('message', (message: ToPeer) => {
  handle(message).catch((err: unknown) => {
    // Unblock the model's thread first: it may be waiting on this side's projections or gradients.
    exchange?.abort();
    reply({ type: 'error', message: (err as Error).stack ?? String(err) });
  });
});
