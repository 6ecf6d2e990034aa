/** The README.md a cluster job carries: what is in the folder and the commands that train and import it. */
import type { ResolvedPretrainOptions } from '../../../shared/contract';

export interface JobReadme {
  jobId: string;
  images: number;
  shards: number;
  options: ResolvedPretrainOptions;
  project: string;
}

export const singleMachineCommand = 'torchrun --nproc_per_node=N train.py';

export function jobReadme({ jobId, images, shards, options, project }: JobReadme): string {
  return [
    `# SimCLR Studio pretraining job ${jobId}`,
    '',
    `${images} images of the project ${project}, at ${options.imageSize}×${options.imageSize} px, to pretrain ${options.encoder} with SimCLR`,
    `(batch ${options.batchSize}, ${options.epochs} epochs, ${options.optimizer} at ${options.learningRate}, τ ${options.temperature}, seed ${options.seed}).`,
    '',
    '## Train',
    '',
    'Needs Python 3 with PyTorch (nothing else). In this folder, with N processes (one per GPU; on CPUs, a few):',
    '',
    '```sh',
    singleMachineCommand,
    '# several machines: run on each, with its own node rank',
    'torchrun --nnodes=M --node_rank=R --master_addr=FIRST_HOST --master_port=29500 --nproc_per_node=N train.py',
    '# a first try, one process, 20 steps',
    'python3 train.py --steps 20',
    '```',
    '',
    'GPUs train with NCCL; without CUDA (or with `--cpu`) the processes use Gloo. The batch is global: it is split',
    'across the processes, batch norm and the NT-Xent loss see all of it, as SimCLR trains. `python3 train.py --help`',
    'lists the options (epochs, batch size, checkpoint interval, a JSON log).',
    '',
    'Training checkpoints to `run/checkpoint.pt` every epoch and every 10 minutes; the same command resumes from it.',
    'On several machines, keep `run/` (or `--out`) on storage they all share.',
    'It also writes `run/encoder.safetensors`, the encoder and projection head for the app.',
    '',
    '## Bring the encoder back',
    '',
    '```sh',
    `simclr-studio job import run/encoder.safetensors --project ${project}`,
    '```',
    '',
    'or "Import a trained encoder" on the app\'s Pretrain page. The project then embeds, maps, suggests and fine-tunes',
    'with it as with an encoder it trained itself.',
    '',
    '## Files',
    '',
    '- `job.json`: the run\'s exact settings (encoder architecture, head, augmentation ranges, temperature, optimizer,',
    '  schedule, batch, seed) and the shard list.',
    `- \`shards/*.npy\`: the images, uint8 [n, ${options.imageSize}, ${options.imageSize}, 3] (RGB), ${shards} file${shards === 1 ? '' : 's'}, in manifest order.`,
    '- `manifest.csv`: row, image id in the project, content hash (SHA-256 of the file), path, shard and index.',
    '- `init.safetensors`: the starting weights of the encoder and head, as a PyTorch state dict.',
    '- `train.py`, `simclr_job/`: the trainer (model, augmentation, loss, LARS, data).',
    '',
  ].join('\n');
}
