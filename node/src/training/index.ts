/** Fine-tuning on the sidecar: dataset parsing, the Python trainer driver, and a whole run with its roots. */
export { parseTrainingJsonl, DatasetFormatError, type TrainingExample } from './dataset.js';
export { runTrainer, runReplay, defaultTrainerPython, TrainerError, type TrainerRequest, type TrainerEvent, type TrainerDone, type TrainerReplayed } from './worker.js';
export { train, loadExamples, checkpointRoot, methodRequest, type TrainJob, type TrainOutcome, type TrainingParams, type LoraParams, type LoraTarget } from './train.js';
export { verifyInterval, type ReplayCheck, type ReplayVerdict } from './replay.js';
