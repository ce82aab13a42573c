/**
 * Well-known DEVELOPMENT accounts of the localnet. The mnemonics are public: never use them on a real network.
 * Validators val0..val3, users alice..dave, and one sidecar (executor) account per validator.
 */
export interface DevAccount {
  name: string;
  mnemonic: string;
  address: string;
}

const accounts: DevAccount[] = [
  { name: "val0", mnemonic: "soldier easy local poverty world tragic whisper path sound chair excite actor session fine omit novel grocery poverty strong gather order rare please clock", address: "infer10uwqhl2u3nvgnc5glc0pytf5uyuzx03qcl72xa" },
  { name: "val1", mnemonic: "vast life glide glance arrow badge post sausage nephew cherry tilt romance reopen brain art chef report imitate dwarf chuckle jaguar green trim idle", address: "infer1m6a8s2zuqsau8xnvjyzlpjzfrkwkkh0vkcm0vk" },
  { name: "val2", mnemonic: "setup illness artefact bamboo nose strike catch captain few insane radar park gaze side aerobic misery brisk opinion process civil car expect unfold raccoon", address: "infer19ryps7msh0y43tyjnmjdn23xsseawvw4e2lpfq" },
  { name: "val3", mnemonic: "devote core hidden session spoil scrap alley fire viable expire furnace deny cancel whip stool such spell lobster museum check great side skirt unique", address: "infer1tjg0htzlx5y7vxffghf94030nrzqgxeedyntn2" },
  { name: "alice", mnemonic: "trick bunker hotel head enrich cram slide theme tray later fortune fog scare split table glove brick room steel silk alone tuna glare utility", address: "infer1l6q2p07hmjuu0d8glflcz6jrrnakm4s06wjyjp" },
  { name: "bob", mnemonic: "burger blue minute maze property skirt cabin pottery word feel dose boss owner admit shrug token stamp plunge rack shield garlic image sketch you", address: "infer175k46wcn6thv3vkpcdw06ur08mlmu4tvnhw5wu" },
  { name: "carol", mnemonic: "cactus green anger race idea possible edit dilemma boil flee track poverty column tenant legend foam december private memory auto speak venture weapon seminar", address: "infer10vmdndmyp43s7ldhgzyn4m7yqmwqeuq6hsmjl9" },
  { name: "dave", mnemonic: "buyer lonely pottery decorate urban frog kitchen tower sunset two toddler subway element extra capital vintage error fantasy accident glimpse april bargain antique dentist", address: "infer1j50lavsle3dyl8t4tfyfp7wz8g0ll72jwf885e" },
  { name: "sidecar0", mnemonic: "fantasy wage crime six traffic parade team air truth drum social rookie corn afraid trip fortune nasty analyst addict captain choose canvas curious tide", address: "infer1qlelpnpzae4nrfj90pkl4typ2ndtrhye6tmyye" },
  { name: "sidecar1", mnemonic: "special critic runway wrestle drip entire great volcano expose plunge way floor sorry anchor clip neglect mule rubber phone until ball young group enough", address: "infer1eha7gpr5dq8aqgnjwk5qrw58ekh8892f5mghz2" },
  { name: "sidecar2", mnemonic: "equal labor hurt use lab they rigid space dream car merit visit organ dwarf hat describe two express earn sweet bike genius zone click", address: "infer15kplp04xmhs09qmrmztuxzv3zukvparvmahr64" },
  { name: "sidecar3", mnemonic: "morning high cement warfare maple food scatter snake symbol town three hurt left approve noise announce clog access soldier anxiety divide random girl story", address: "infer1964ndaws3k7450737cdzrnkjkkhaf0g8ttvykj" },
];

export const MAX_VALIDATORS = 4;
export const USER_ACCOUNTS = ["alice", "bob", "carol", "dave"] as const;

export function devAccount(name: string): DevAccount {
  const found = accounts.find((a) => a.name === name);
  if (!found) throw new Error(`unknown localnet dev account "${name}" (known: ${accounts.map((a) => a.name).join(", ")})`);
  return found;
}

export function devAccounts(): readonly DevAccount[] {
  return accounts;
}
