// Made-up but plausible people for the benchmark data set: names, emails, phones and addresses.

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same data set. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const FIRST_NAMES = [
  "Olivia",
  "Charlotte",
  "Amelia",
  "Isla",
  "Mia",
  "Ava",
  "Grace",
  "Chloe",
  "Zoe",
  "Ruby",
  "Sophie",
  "Emily",
  "Lily",
  "Harper",
  "Ella",
  "Matilda",
  "Evie",
  "Willow",
  "Sienna",
  "Hannah",
  "Sarah",
  "Jessica",
  "Rebecca",
  "Rachel",
  "Naomi",
  "Leah",
  "Margaret",
  "Helen",
  "Patricia",
  "Susan",
  "Karen",
  "Linda",
  "Deborah",
  "Julie",
  "Michelle",
  "Nicole",
  "Kylie",
  "Belinda",
  "Fiona",
  "Anh",
  "Mai",
  "Linh",
  "Priya",
  "Ananya",
  "Aisha",
  "Fatima",
  "Mariam",
  "Yasmin",
  "Mei",
  "Xin",
  "Yuki",
  "Hana",
  "Maria",
  "Sofia",
  "Elena",
  "Giulia",
  "Chiara",
  "Katerina",
  "Eleni",
  "Aroha",
  "Kiri",
  "Moana",
  "Tahlia",
  "Jacinta",
  "Bronwyn",
  "Siobhan",
  "Niamh",
  "Ingrid",
  "Freya",
  "Astrid",
  "Noah",
  "Oliver",
  "Jack",
  "William",
  "Leo",
  "Lucas",
  "Thomas",
  "Henry",
  "Charlie",
  "James",
  "Samuel",
  "Max",
  "Harrison",
  "Isaac",
  "Archie",
  "Hudson",
  "Ethan",
  "Liam",
  "Mason",
  "Daniel",
  "David",
  "Michael",
  "Peter",
  "Paul",
  "Mark",
  "John",
  "Robert",
  "Stephen",
  "Andrew",
  "Matthew",
  "Christopher",
  "Gregory",
  "Craig",
  "Wayne",
  "Darren",
  "Bruce",
  "Graham",
  "Ian",
  "Kevin",
  "Minh",
  "Duc",
  "Tuan",
  "Arjun",
  "Rohan",
  "Vikram",
  "Omar",
  "Ahmed",
  "Yusuf",
  "Ali",
  "Hamza",
  "Wei",
  "Jun",
  "Hiroshi",
  "Kenji",
  "Marco",
  "Luca",
  "Giorgos",
  "Nikos",
  "Dimitri",
  "Tama",
  "Wiremu",
  "Rangi",
  "Jarrah",
  "Kirra",
  "Bodhi",
  "Finn",
  "Cormac",
  "Sean",
  "Lars",
  "Sven",
  "Mateo",
  "Diego",
  "Pablo",
  "Joaquin",
] as const;

const LAST_NAMES = [
  "Smith",
  "Jones",
  "Williams",
  "Brown",
  "Wilson",
  "Taylor",
  "Johnson",
  "White",
  "Martin",
  "Anderson",
  "Thompson",
  "Nguyen",
  "Thomas",
  "Walker",
  "Harris",
  "Lee",
  "Ryan",
  "Robinson",
  "Kelly",
  "King",
  "Davis",
  "Wright",
  "Evans",
  "Roberts",
  "Green",
  "Hall",
  "Wood",
  "Jackson",
  "Clarke",
  "Patel",
  "Khan",
  "Lewis",
  "James",
  "Phillips",
  "Mitchell",
  "Turner",
  "Campbell",
  "Murphy",
  "O'Brien",
  "O'Connor",
  "McDonald",
  "MacKenzie",
  "Stewart",
  "Scott",
  "Young",
  "Morris",
  "Cooper",
  "Ward",
  "Baker",
  "Hughes",
  "Edwards",
  "Collins",
  "Bell",
  "Murray",
  "Price",
  "Russell",
  "Ross",
  "Graham",
  "Hill",
  "Moore",
  "Kennedy",
  "Tran",
  "Le",
  "Pham",
  "Huynh",
  "Vo",
  "Dang",
  "Bui",
  "Do",
  "Ho",
  "Singh",
  "Sharma",
  "Kumar",
  "Gupta",
  "Reddy",
  "Iyer",
  "Chen",
  "Wang",
  "Li",
  "Zhang",
  "Liu",
  "Yang",
  "Huang",
  "Zhao",
  "Wu",
  "Zhou",
  "Xu",
  "Sun",
  "Ma",
  "Tanaka",
  "Suzuki",
  "Sato",
  "Watanabe",
  "Kim",
  "Park",
  "Choi",
  "Rossi",
  "Russo",
  "Ferrari",
  "Esposito",
  "Bianchi",
  "Romano",
  "Papadopoulos",
  "Georgiou",
  "Nikolaidis",
  "Ahmed",
  "Hassan",
  "Hussein",
  "Ibrahim",
  "Haddad",
  "Khoury",
  "Nasser",
  "Mansour",
  "Ngata",
  "Parata",
  "Tipene",
  "Walsh",
  "Byrne",
  "Doyle",
  "Quinn",
  "Gallagher",
  "Fitzgerald",
  "Johansson",
  "Larsen",
  "Nielsen",
  "Berg",
  "Fischer",
  "Schmidt",
  "Weber",
  "Becker",
  "Garcia",
  "Rodriguez",
  "Martinez",
  "Lopez",
  "Gonzalez",
  "Hernandez",
  "Perez",
  "Sanchez",
  "Silva",
  "Santos",
  "Costa",
  "Pereira",
  "Quarrington",
  "Whitlam",
  "Ashby",
  "Blackwood",
  "Carmody",
  "Delaney",
  "Ellery",
  "Fairweather",
  "Gilchrist",
  "Hargreaves",
] as const;

const PARTICLES = ["van der", "de", "van", "da", "bin", "al"] as const;
const DOMAINS = [
  "gmail.com",
  "outlook.com",
  "hotmail.com",
  "yahoo.com.au",
  "bigpond.com",
  "icloud.com",
  "optusnet.com.au",
  "proton.me",
  "iinet.net.au",
  "fastmail.com",
] as const;
const STREETS = [
  "High",
  "Station",
  "Church",
  "Park",
  "Victoria",
  "George",
  "King",
  "Queen",
  "Elizabeth",
  "William",
  "Smith",
  "Brunswick",
  "Sydney",
  "Lygon",
  "Nicholson",
  "Rathdowne",
  "Gertrude",
  "Johnston",
  "Bay",
  "Beach",
] as const;
const STREET_TYPES = ["Street", "Road", "Avenue", "Lane", "Parade", "Crescent", "Place", "Terrace"] as const;

/** Australian states with a city or two and their postcode range. */
const PLACES = [
  {
    state: "VIC",
    cities: ["Melbourne", "Fitzroy", "Brunswick", "Geelong", "Ballarat", "Bendigo", "Footscray", "Coburg"],
    postcodes: [3000, 3999],
    weight: 30,
  },
  {
    state: "NSW",
    cities: ["Sydney", "Newtown", "Marrickville", "Newcastle", "Wollongong", "Parramatta", "Lismore"],
    postcodes: [2000, 2599],
    weight: 30,
  },
  {
    state: "QLD",
    cities: ["Brisbane", "West End", "Cairns", "Townsville", "Toowoomba"],
    postcodes: [4000, 4899],
    weight: 17,
  },
  { state: "WA", cities: ["Perth", "Fremantle", "Bunbury", "Broome"], postcodes: [6000, 6799], weight: 9 },
  { state: "SA", cities: ["Adelaide", "Norwood", "Mount Gambier"], postcodes: [5000, 5799], weight: 7 },
  { state: "TAS", cities: ["Hobart", "Launceston"], postcodes: [7000, 7499], weight: 3 },
  { state: "ACT", cities: ["Canberra", "Braddon"], postcodes: [2600, 2618], weight: 3 },
  { state: "NT", cities: ["Darwin", "Alice Springs"], postcodes: [800, 899], weight: 1 },
] as const;
const PLACE_WEIGHT = PLACES.reduce((sum, p) => sum + p.weight, 0);

export type Person = { name: string; emailLocal: string; emailDomain: string };

export function person(random: () => number, id: number): Person {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const roll = random();
  // Some people give two given names, some a family name with a particle: search must find either word.
  const name =
    roll < 0.04
      ? `${first} ${pick(random, FIRST_NAMES)} ${last}`
      : roll < 0.06
        ? `${first} ${pick(random, PARTICLES)} ${last}`
        : `${first} ${last}`;
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");
  const style = random();
  const emailLocal =
    style < 0.5
      ? `${clean(first)}.${clean(last)}${id}`
      : style < 0.8
        ? `${clean(first)[0]}${clean(last)}${id}`
        : `${clean(last)}.${clean(first)}.${id}`;
  return { name, emailLocal, emailDomain: pick(random, DOMAINS) };
}

export function phoneNumber(random: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const style = random();
  if (style < 0.45) return `04${digits(2)} ${digits(3)} ${digits(3)}`;
  if (style < 0.75) return `+61 4${digits(2)} ${digits(3)} ${digits(3)}`;
  return `(0${pick(random, ["2", "3", "7", "8"])}) ${digits(4)} ${digits(4)}`;
}

export type Address = {
  line1: string;
  line2: string | null;
  city: string;
  state: string | null;
  postalCode: string;
  country: string;
};

export function address(random: () => number): Address {
  const line1 = `${1 + Math.floor(random() * 250)} ${pick(random, STREETS)} ${pick(random, STREET_TYPES)}`;
  const line2 = random() < 0.15 ? `Unit ${1 + Math.floor(random() * 40)}` : null;
  const abroad = random();
  if (abroad < 0.03)
    return {
      line1,
      line2,
      city: pick(random, ["Auckland", "Wellington", "Dunedin"]),
      state: null,
      postalCode: String(1000 + Math.floor(random() * 9000)),
      country: "NZ",
    };
  if (abroad < 0.05)
    return {
      line1,
      line2,
      city: "London",
      state: null,
      postalCode: `${pick(random, ["N", "E", "SE", "SW", "NW"])}${1 + Math.floor(random() * 20)} ${1 + Math.floor(random() * 9)}${pick(random, ["AB", "DX", "LT", "QR"])}`,
      country: "GB",
    };
  let r = random() * PLACE_WEIGHT;
  let place: (typeof PLACES)[number] = PLACES[0];
  for (const p of PLACES) {
    r -= p.weight;
    if (r <= 0) {
      place = p;
      break;
    }
  }
  const [lo, hi] = place.postcodes;
  return {
    line1,
    line2,
    city: pick(random, place.cities),
    state: place.state,
    postalCode: String(lo + Math.floor(random() * (hi - lo + 1))).padStart(4, "0"),
    country: "AU",
  };
}
