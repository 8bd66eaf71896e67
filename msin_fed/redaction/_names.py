"""Name pools for the synthetic corpus, by community. Pool ``A`` is the tuning split's,
pool ``B`` the held-out split's; they share no names, so the held-out benchmark measures
names the recognizers were never tuned on."""

from __future__ import annotations

# community -> (given names, family names)
POOL_A: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "romanian": (("Ion", "Andrei", "Mihai", "Ioana", "Elena", "Florin", "Ștefan", "Gheorghe", "Alina", "Vasile"),
                 ("Popescu", "Ionescu", "Dumitru", "Stoica", "Constantin", "Munteanu", "Țurcanu", "Lungu")),
    "bulgarian": (("Georgi", "Dimitar", "Ivan", "Petya", "Nikolay", "Svetla", "Hristo", "Radka"),
                  ("Georgiev", "Dimitrov", "Petrova", "Stoyanov", "Kolev", "Ivanova", "Todorov", "Angelov")),
    "lithuanian": (("Tomas", "Mantas", "Rūta", "Darius", "Aušra", "Jonas", "Vaida", "Paulius"),
                   ("Kazlauskas", "Jankauskas", "Petrauskienė", "Stankevičius", "Vasiliauskas", "Žukauskas")),
    "polish": (("Piotr", "Krzysztof", "Agnieszka", "Tomasz", "Małgorzata", "Paweł", "Katarzyna", "Łukasz"),
               ("Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński", "Szymański")),
    "slovak": (("Marek", "Jana", "Peter", "Zuzana", "Miroslav", "Lucia", "Juraj"),
               ("Horváth", "Kováč", "Varga", "Tóth", "Nagyová", "Baláž", "Szabo")),
    "albanian": (("Arben", "Besnik", "Elira", "Gentian", "Klodian", "Dritan", "Arta", "Fatmir"),
                 ("Hoxha", "Shehu", "Krasniqi", "Gashi", "Berisha", "Dervishi", "Leka")),
    "vietnamese": (("Thanh", "Minh", "Duc", "Linh", "Quang", "Hoa", "Tuan", "Phuong"),
                   ("Nguyen", "Tran", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do")),
    "nigerian": (("Chinedu", "Oluwaseun", "Ngozi", "Emeka", "Adaeze", "Tunde", "Chiamaka", "Ifeanyi"),
                 ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Obi")),
    "ukrainian": (("Oleksandr", "Olena", "Andriy", "Yulia", "Taras", "Oksana", "Serhiy", "Iryna"),
                  ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliynyk", "Melnyk")),
    "british": (("James", "Sarah", "Gary", "Tracey", "Darren", "Michelle", "Wayne", "Lee"),
                ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thompson", "Walker")),
}

POOL_B: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "romanian": (("Cosmin", "Bogdan", "Raluca", "Nicoleta", "Marius", "Adrian", "Lavinia", "Dorin"),
                 ("Georgescu", "Rădulescu", "Marinescu", "Niculescu", "Bălan", "Ciobanu", "Moldovan")),
    "bulgarian": (("Stoyan", "Kaloyan", "Desislava", "Plamen", "Tsvetelina", "Vasil", "Yordanka"),
                  ("Nikolov", "Hristova", "Marinov", "Yordanov", "Atanasov", "Vasileva", "Iliev")),
    "lithuanian": (("Giedrius", "Laurynas", "Eglė", "Arūnas", "Justina", "Vytautas", "Indrė"),
                   ("Paulauskas", "Urbonas", "Butkutė", "Navickas", "Ramanauskas", "Savickas")),
    "polish": (("Grzegorz", "Dorota", "Mariusz", "Beata", "Wojciech", "Ewelina", "Jarosław"),
               ("Wróbel", "Kozłowski", "Jankowska", "Mazur", "Krawczyk", "Piotrowski", "Grabowska")),
    "slovak": (("Róbert", "Katarína", "Michal", "Ivana", "Tibor", "Monika"),
               ("Oravec", "Šimko", "Lukáč", "Polák", "Kollár", "Hudák")),
    "albanian": (("Ermal", "Blerina", "Artan", "Valbona", "Sokol", "Ilir"),
                 ("Kola", "Basha", "Hasani", "Rama", "Murati", "Zeneli")),
    "vietnamese": (("Huong", "Khanh", "Trung", "Ngoc", "Hieu", "Dung"),
                   ("Le", "Ngo", "Duong", "Ly", "Trinh", "Vo")),
    "nigerian": (("Obinna", "Folake", "Kelechi", "Yetunde", "Chukwuma", "Funmilayo"),
                 ("Okeke", "Afolabi", "Uchenna", "Ogunleye", "Onyekachi", "Bello")),
    "ukrainian": (("Dmytro", "Nataliya", "Bohdan", "Halyna", "Vitaliy", "Svitlana"),
                  ("Lysenko", "Moroz", "Savchenko", "Pavlenko", "Hnatyuk", "Rudenko")),
    "british": (("Craig", "Donna", "Stuart", "Kerry", "Dean", "Lisa"),
                ("Roberts", "Hughes", "Edwards", "Green", "Hall", "Wood")),
}
