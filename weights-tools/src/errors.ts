/** A checkpoint that cannot be read safely or is not what it claims; the message names the file (and tensor). */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
