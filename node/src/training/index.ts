/** Fine-tuning on the sidecar: dataset parsing, the Python trainer driver, and a whole run with its roots. */
export { parseTrainingJsonl, DatasetFormatError, type TrainingExample } from './dataset.js';
export { runTrainer, defaultTrainerPython, TrainerError, type TrainerRequest, type TrainerEvent, type TrainerDone } from './worker.js';
export { train, loadExamples, checkpointRoot, type TrainJob, type TrainOutcome, type TrainingParams } from './train.js';
